"""The receiving server's verdict on who sent a message: Authentication-Results (RFC 8601).

Parsing is done by `authres` (the library dkimpy's authors maintain); this
module only chooses which header to believe and reads the verdict from it.

Which header counts. Every mail server on the way may add an
Authentication-Results header, and so may the sender, who can write any
header at all. Servers *prepend* theirs, so the one the county's own server
wrote stands above anything the sender wrote. Hence:

* With configured authserv-ids (`[security] trusted_authserv_ids`): only the
  topmost header carrying one of those ids counts. A forged copy with the
  same id sits below the server's own (and good servers strip such copies).
* Exchange Online (Microsoft 365) writes its header without an authserv-id
  ("spf=pass (sender IP is …) smtp.mailfrom=…; dkim=…; dmarc=pass action=none
  header.from=…;compauth=pass reason=100"), so the id cannot tell it apart.
  What does is Exchange's *header firewall*: it removes every
  `X-MS-Exchange-Organization-*` header from mail entering the organisation
  from outside, then stamps its own (`X-MS-Exchange-Organization-AuthAs`:
  Anonymous for mail from the internet, Internal for its own users;
  `…-AuthSource`: the Exchange Online server that took the mail). A message
  carrying them therefore passed Exchange's transport, which stamped the
  topmost Authentication-Results; that one, and only that one, counts.
  AuthAs "Internal" means the sender logged in to the county's own tenant.
* Otherwise no header is believed: the sender address alone decides, as the
  contract says, and `lagesbild doctor` warns.

`compauth` is Exchange's composite verdict (explicit DMARC, else its implicit
checks); fail there, or dmarc=fail, is a failed verdict.

Pure functions over header values; never raises on bad input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import authres

__all__ = ["AuthResults", "DkimResult", "Verdict", "aligned", "describe", "fails", "parse_authentication_results",
           "passes", "sender_verdict"]

_MAX_HEADER = 4000
_MAX_COMMENTS = 40
#: Stands in for the authserv-id Exchange Online leaves out, so the RFC parser accepts the header.
_NO_ID = "authserv-id-missing.invalid"


@dataclass(frozen=True, slots=True)
class DkimResult:
    """One DKIM signature's result and its signing domain (header.d, else header.i's domain)."""

    result: str
    domain: str


@dataclass(frozen=True, slots=True)
class AuthResults:
    """What one receiving server found, lower-cased; None/empty where it said nothing.

    `authserv_id` is "" when the header has none (Exchange Online).
    `compauth` is Exchange Online's composite verdict, when given.
    """

    authserv_id: str
    dmarc: str | None
    dmarc_from: str | None
    dkim: tuple[DkimResult, ...]
    spf: str | None
    spf_mailfrom: str | None
    compauth: str | None = None


def _domain(value: str | None) -> str | None:
    """The domain of an address or domain property ("x@avesta.se", "@avesta.se", "avesta.se")."""
    if not value:
        return None
    domain = value.strip().strip("<>").rsplit("@", 1)[-1].strip().rstrip(".").lower()
    return domain or None


def _parse_one(value: str) -> AuthResults | None:
    """One header value through `authres`; None when it says nothing usable or cannot be parsed."""
    text = " ".join(value.split())
    if not text or len(text) > _MAX_HEADER or text.count("(") > _MAX_COMMENTS:
        return None  # no server writes such a header; the parser recurses on nested comments

    head = text.split(";", 1)[0]
    missing_id = "=" in head  # "spf=pass ...": Exchange Online's header starts with a result
    try:
        parsed = authres.AuthenticationResultsHeader.parse_value(f"{_NO_ID}; {text}" if missing_id else text)
    except (authres.AuthResError, ValueError, IndexError, TypeError, AttributeError, RecursionError):
        return None
    dmarc = dmarc_from = spf = spf_mailfrom = compauth = None
    dkim: list[DkimResult] = []
    for result in parsed.results:
        method, outcome = str(result.method).lower(), str(result.result).lower()
        props = {f"{p.type}.{p.name}".lower(): str(p.value) for p in result.properties}
        if method == "dmarc" and dmarc is None:
            dmarc, dmarc_from = outcome, _domain(props.get("header.from"))
        elif method == "spf" and spf is None:
            spf, spf_mailfrom = outcome, _domain(props.get("smtp.mailfrom"))
        elif method == "dkim":
            dkim.append(DkimResult(outcome, _domain(props.get("header.d") or props.get("header.i")) or ""))
        elif method == "compauth" and compauth is None:
            compauth = outcome
    if dmarc is None and spf is None and not dkim and compauth is None:
        return None
    authserv_id = "" if missing_id else str(parsed.authserv_id).lower()
    return AuthResults(authserv_id, dmarc, dmarc_from, tuple(dkim), spf, spf_mailfrom, compauth)


def _authserv_id(value: str) -> str:
    head = " ".join(value.split()).split(";", 1)[0].strip()
    return "" if "=" in head or not head else head.split()[0].lower()


def parse_authentication_results(values: Sequence[str],
                                 trusted_authserv_ids: tuple[str, ...] = ()) -> AuthResults | None:
    """The results of the header that counts among `values` (message order: the first is the newest).

    With `trusted_authserv_ids`: the topmost header whose authserv-id is one
    of them (case-insensitive). Without: the topmost header. None when no
    header counts or it carries no dmarc/dkim/spf/compauth result.
    """
    trusted = {t.strip().lower() for t in trusted_authserv_ids}
    for value in values:
        if not trusted or _authserv_id(value) in trusted:
            return _parse_one(value)
    return None


# Multi-label public suffixes a relaxed-alignment check must not treat as an
# organisation (no public suffix list is shipped): the Swedish ones from the
# list, and a few common foreign ones. Single labels ("se", "com") never align.
_PUBLIC_SUFFIXES = frozenset(
    [f"{c}.se" for c in "abcdefghiklmnopstuwxyz"]
    + ["ac.se", "bd.se", "brand.se", "fh.se", "fhsk.se", "fhv.se", "komforb.se", "kommunalforbund.se",
       "komvux.se", "lanbib.se", "naturbruksgymn.se", "org.se", "parti.se", "pp.se", "press.se", "tm.se",
       "co.uk", "org.uk", "gov.uk", "ac.uk", "com.au", "co.nz", "co.jp", "com.br"]
)


def aligned(domain: str | None, sender_domain: str) -> bool:
    """Relaxed DMARC alignment: the same domain, or one a subdomain of the other.

    The shorter of the two must be a registrable domain (two labels or more,
    not a known public suffix), so "se" or "org.se" never aligns.
    """
    if not domain:
        return False
    a = domain.strip().rstrip(".").lower()
    b = sender_domain.strip().rstrip(".").lower()
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    if "." not in shorter or shorter in _PUBLIC_SUFFIXES:
        return False
    return longer.endswith("." + shorter)


def passes(auth: AuthResults, sender_domain: str) -> bool:
    """Whether the server vouched for `sender_domain` (the From address's domain).

    True for dmarc=pass with header.from equal to that domain, or dkim=pass
    with an aligned d=, or spf=pass with an aligned smtp.mailfrom.
    """
    sender = sender_domain.strip().rstrip(".").lower()
    if not sender:
        return False
    if auth.dmarc == "pass" and auth.dmarc_from == sender:
        return True
    if any(d.result == "pass" and aligned(d.domain, sender) for d in auth.dkim):
        return True
    return auth.spf == "pass" and aligned(auth.spf_mailfrom, sender)


def fails(auth: AuthResults) -> bool:
    """Whether the server found the sender forged: dmarc=fail, or Exchange's compauth=fail."""
    return auth.dmarc == "fail" or auth.compauth == "fail"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a believed server said about the sender's domain.

    `result`: "pass" (vouched for), "fail" (dmarc or compauth failed), or
    "none" (the server said neither). `source`: "exchange" or the authserv-id.
    `detail`: the results, for staff (e.g. "dmarc=fail header.from=ludvika.se").
    """

    result: str
    source: str
    detail: str


def describe(auth: AuthResults) -> str:
    """The results in short, for staff: "dmarc=fail header.from=ludvika.se; compauth=fail"."""
    parts = []
    if auth.dmarc is not None:
        parts.append(f"dmarc={auth.dmarc}" + (f" header.from={auth.dmarc_from}" if auth.dmarc_from else ""))
    if auth.compauth is not None:
        parts.append(f"compauth={auth.compauth}")
    parts += [f"dkim={d.result} header.d={d.domain}" for d in auth.dkim[:3]]
    if auth.spf is not None:
        parts.append(f"spf={auth.spf}")
    return "; ".join(parts)


def sender_verdict(values: Sequence[str], sender_domain: str, *, trusted_authserv_ids: tuple[str, ...] = (),
                   exchange_auth_as: str | None = None, trust_exchange: bool = False) -> Verdict | None:
    """The verdict of the header that counts (see the module docstring), or None when none is believed.

    `values`: the Authentication-Results values, topmost first.
    `exchange_auth_as`: the message's X-MS-Exchange-Organization-AuthAs, when it carries one.
    `trust_exchange`: believe Exchange Online's stamp (a Microsoft 365 mailbox).
    """
    if trusted_authserv_ids:
        auth = parse_authentication_results(values, trusted_authserv_ids)
        source = auth.authserv_id if auth else ""
    elif trust_exchange and exchange_auth_as:
        auth = _parse_one(values[0]) if values else None
        if exchange_auth_as.strip().lower() == "internal" and not (auth is not None and fails(auth)):
            # A failure above it still counts: only the sender's own mail can be held up by it.
            return Verdict("pass", "exchange", "X-MS-Exchange-Organization-AuthAs: Internal")
        source = "exchange"
    else:
        return None
    if auth is None:
        return Verdict("none", source or "exchange", "")
    if passes(auth, sender_domain):
        return Verdict("pass", source, describe(auth))
    if fails(auth):
        return Verdict("fail", source, describe(auth))
    return Verdict("none", source, describe(auth))
