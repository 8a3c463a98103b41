// A real OpenID Connect provider (node-oidc-provider, OpenID Certified) on loopback, standing in for
// the county's Microsoft Entra ID in the web page's sign-in tests.
//
//   node provider.mjs PORT REDIRECT_URI CLIENT_SECRET [ISSUER_HOST]
//
// ISSUER_HOST (default 127.0.0.1) may be "localhost": to a browser that is another site than an app on
// 127.0.0.1, as the county's tenant is to its web page.
//
// Two clients: "lagesbild" (the web page) and "grannen" (another application of the same tenant,
// whose ID tokens the web page must refuse). Users carry an Entra-style `roles` claim in the ID token.
// The provider's own development login pages are off; the login and consent forms below are plain
// HTML forms the tests post with httpx (user name only: the provider's password is not under test).

import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const [port, redirectUri, clientSecret, issuerHost = '127.0.0.1'] = process.argv.slice(2);
if (!port || !redirectUri || !clientSecret) {
  console.error('usage: node provider.mjs PORT REDIRECT_URI CLIENT_SECRET');
  process.exit(2);
}

const USERS = {
  anna: { name: 'Anna Handläggare', roles: ['Lagesbild.Staff'] },
  lena: { name: 'Lena Ledning', roles: ['Lagesbild.Leadership'] },
  olle: { name: 'Olle Obehörig', roles: ['Ekonomi.Läsare'] },
  adam: { name: 'Adam Admin', roles: ['Lagesbild.Admin'] },
};

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

const client = (clientId) => ({
  client_id: clientId,
  client_secret: clientSecret,
  redirect_uris: [redirectUri],
  // Where the web page asks to come back after signing out here (RP-initiated logout): its sign-in page.
  post_logout_redirect_uris: [new URL('/logga-in', redirectUri).href],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
});

const provider = new Provider(`http://${issuerHost}:${port}`, {
  clients: [client('lagesbild'), client('grannen')],
  jwks: { keys: [{ ...signingKey, kid: 'test-key-1', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: ['lagesbild-test-cookie-key'] },
  claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'roles'] },
  // Entra ID puts the app roles in the ID token itself, not only behind the userinfo endpoint.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const user = USERS[id];
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: user.name, preferred_username: `${id}@lansstyrelsen.example`, roles: user.roles };
      },
    };
  },
});

function page(res, body) {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html><body>${body}</body></html>`);
}

async function formBody(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return new URLSearchParams(text);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'GET') {
    const step = details.prompt.name === 'login' ? 'login' : 'confirm';
    const field = step === 'login' ? '<input name="login">' : '';
    return page(res, `<form method="post" action="/interaction/${uid}/${step}">${field}<button>OK</button></form>`);
  }
  if (action === 'login') {
    const login = (await formBody(req)).get('login');
    if (!USERS[login]) return page(res, 'unknown user');
    return provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
  }
  // Consent: grant what the client asked for.
  const { prompt: { details: missing }, params, session: { accountId } } = details;
  const grant = details.grantId ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } },
    { mergeWithLastSubmission: true });
}

const handle = provider.callback();
http.createServer((req, res) => {
  const match = req.url.match(/^\/interaction\/([^/?]+)(?:\/(login|confirm))?/);
  if (!match) return handle(req, res);
  return interaction(req, res, match[1], match[2]).catch((err) => {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(String(err));
  });
}).listen(Number(port), '127.0.0.1', () => console.log(`listening ${port}`));
