"""What every page of the web application shares: templates, the clock, who is signed in, and the guards.

Each area of the page (the board, a municipality's history, quarantine, …)
is a module in web/ with a `routes(page)` function; they all take one `Page`,
so a guard or the rendering is written once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment
from sqlalchemy.engine import Engine
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from flow.accounts import Account, Role, is_active
from flow.settings import Config
from web.security import csrf_ok, csrf_token

IDLE_TIMEOUT = timedelta(minutes=30)  # a forgotten browser on a shared desk signs itself out
# A session Entra ID started lasts an hour however active: then the browser signs in at the provider
# again (without a password while its sign-in there holds) and the roles claim is read afresh, so a
# role removed at Entra ID holds at most this long here (README, staff; SECURITY.md).
OIDC_MAX_AGE = timedelta(hours=1)
# Staff act (and see raw mail and personal data); leadership read the picture (board, workbook,
# digest); admin manage the county's accounts. Each route names the roles it lets in.
STAFF_ONLY = frozenset({Role.STAFF})
PICTURE = frozenset({Role.STAFF, Role.LEADERSHIP})
ADMIN_ONLY = frozenset({Role.ADMIN})
EVERY_ROLE = frozenset({Role.STAFF, Role.LEADERSHIP, Role.ADMIN})


@dataclass(frozen=True)
class Page:
    """The application's parts as every route sees them."""

    config: Config
    engine: Engine
    clock: Callable[[], datetime]
    env: Environment

    @property
    def tz(self) -> ZoneInfo:
        """The county's time zone, for dates shown to staff."""
        return ZoneInfo(self.config.deadline.timezone)

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """`template` rendered with the CSRF token, the signed-in user and the county."""
        context.setdefault("csrf", csrf_token(request.session))
        context.setdefault("user", account_of(request))
        context.setdefault("county", self.config.county.name)
        context.setdefault("path", request.url.path)
        return HTMLResponse(self.env.get_template(template).render(**context), status_code=status)

    def error(self, request: Request, status: int, message: str) -> HTMLResponse:
        """The error page with a message in Swedish."""
        return self.render(request, "error.html.j2", status, message=message)

    def signed_in(self, request: Request) -> Account | None:
        """The session's account, unless it has been idle too long (then the session is emptied)."""
        account = account_of(request)
        if account is None:
            return None
        now = self.clock()
        try:
            seen: datetime | None = datetime.fromisoformat(str(request.session.get("seen")))
        except ValueError:
            seen = None
        if seen is None or now - seen > IDLE_TIMEOUT:
            request.session.clear()
            return None
        if request.session.get("via") == "oidc":
            try:
                since: datetime | None = datetime.fromisoformat(str(request.session.get("since")))
            except ValueError:
                since = None
            if since is None or now - since > OIDC_MAX_AGE:
                request.session.clear()
                return None
        if request.session.get("via") != "oidc" and not is_active(self.engine, account.name):
            request.session.clear()  # a disabled local account is signed out at its next click
            return None
        request.session["seen"] = now.isoformat()
        return account

    def guard(self, request: Request, roles: Collection[Role] = STAFF_ONLY) -> Account | Response:
        """The signed-in account when it has one of `roles` in this county; else the response to give.

        Not signed in: to the sign-in page. Wrong role or another county's
        account: 403, the same answer whether or not the thing asked for exists.
        """
        account = self.signed_in(request)
        if account is None:
            return RedirectResponse("/logga-in", status_code=303)
        if account.role not in roles or account.county != self.config.county.code:
            return self.error(request, 403, "Ditt konto får inte se den här sidan.")
        return account

    async def acted(self, request: Request,
                    roles: Collection[Role] = STAFF_ONLY) -> tuple[Account, FormData] | Response:
        """A posted action: the account (one of `roles`, this county) and its CSRF-checked form; else the response."""
        account = self.guard(request, roles)
        if isinstance(account, Response):
            return account
        form = await self.posted(request)
        if isinstance(form, Response):
            return form
        return account, form

    async def posted(self, request: Request) -> FormData | Response:
        """The posted form when its CSRF token holds; else a 403 page."""
        form = await request.form()
        if not csrf_ok(request.session, form.get("csrf")):
            return self.error(request, 403, "Formuläret var för gammalt. Ladda om sidan.")
        return form


def account_of(request: Request) -> Account | None:
    """The signed-in account the session names, or None."""
    s = request.session
    if not isinstance(s.get("user"), str) or s.get("role") not in {r.value for r in Role}:
        return None
    return Account(s["user"], Role(s["role"]), str(s.get("county", "")))
