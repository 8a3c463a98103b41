"""A real OpenID Connect provider on loopback: node-oidc-provider (from the npm registry) running
tests/web/oidc/provider.mjs, and a "browser" that signs in at it with plain HTTP form posts.

The package is installed on first use with `npm ci` into tests/web/oidc/node_modules (ignored by
git), under a file lock so parallel test workers install it once.
"""

from __future__ import annotations

import fcntl
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpx

HERE = Path(__file__).resolve().parents[1] / "web" / "oidc"
SECRET = "klient-hemlighet-for-test-0123456789"
REDIRECT_URI = "http://127.0.0.1/oidc/callback"


@dataclass(frozen=True)
class Provider:
    """A running provider: its issuer URL and the secret of both its clients."""

    issuer: str
    client_secret: str = SECRET
    redirect_uri: str = REDIRECT_URI


def unavailable() -> str | None:
    """Why the provider cannot run here (no node or npm), or None."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are needed for the OpenID provider (Debian: nodejs npm)"
    return None


def install() -> None:
    """`npm ci` the provider once (the lock file pins oidc-provider and what it needs)."""
    with open(HERE / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (HERE / "node_modules" / "oidc-provider" / "package.json").is_file():
            return
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True,
                       timeout=300, capture_output=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(redirect_uri: str = REDIRECT_URI, host: str = "127.0.0.1") -> Iterator[Provider]:
    """Start the provider on a free loopback port, its issuer named `host`; stopped on exit."""
    install()
    port = _free_port()
    proc = subprocess.Popen(["node", "provider.mjs", str(port), redirect_uri, SECRET, host], cwd=HERE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("listening"):
            raise RuntimeError(f"the OpenID provider did not start: {line!r}")
        yield Provider(f"http://{host}:{port}", redirect_uri=redirect_uri)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def sign_in_at_provider(authorize_url: str, user: str, stop_at: str = REDIRECT_URI) -> str:
    """Follow `authorize_url` through the provider's login and consent forms as `user`; the URL the
    provider finally sends the browser to (at `stop_at`, with code and state)."""
    url = authorize_url
    with httpx.Client(timeout=10) as browser:
        response = browser.get(url)
        for _ in range(20):
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
                if url.startswith(stop_at):
                    return url
                response = browser.get(url)
                continue
            form = re.search(r'<form method="post" action="([^"]+)">', response.text)
            if response.status_code != 200 or form is None:
                raise AssertionError(f"the provider answered {response.status_code}: {response.text[:300]}")
            data = {"login": user} if 'name="login"' in response.text else {}
            url = urljoin(url, form.group(1))
            response = browser.post(url, data=data)
    raise AssertionError("the provider never sent the browser back")
