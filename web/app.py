"""The staff web page as a Starlette application: health, sign-in and the month at a glance (Läget).

Why Starlette: a small, plain ASGI toolkit with no ORM of its own (the store
is ours, with its own migrations) and Jinja2 as its native templating; Django
would duplicate store/ and its migrations. Every page calls a use case in
flow/, never the store.

`create_app` takes everything it needs explicitly (configuration, engine,
clock, the session-signing secret), so tests build it on any store and time.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from flow.accounts import Account, Role, check_user
from flow.board import board_for, store_readable
from flow.settings import Config
from parsers.result import Period
from web.security import LoginLimiter, SecurityHeaders, csrf_ok, csrf_token, renew_session

STATE_LABELS = {"on_time": "i tid", "late": "sen", "missing": "saknas", "pending": "väntar",
                "not_due": "ej aktuell"}
BOARD_ROLES = frozenset({Role.STAFF, Role.LEADERSHIP, Role.ADMIN})
SESSION_MAX_AGE = 8 * 3600  # a working day at most, however active
IDLE_TIMEOUT = timedelta(minutes=30)  # a forgotten browser on a shared desk signs itself out


def _templates() -> Environment:
    env = Environment(loader=PackageLoader("web", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.globals["state_labels"] = STATE_LABELS
    return env


def create_app(config: Config, engine: Engine, clock: Callable[[], datetime], *,
               secret_key: str | None = None, secure_cookies: bool = True) -> Starlette:
    """The web application on `engine`, with `clock` as its time.

    `secret_key` signs the session cookie (a random one per process when not
    given: every restart then signs everyone out); `secure_cookies` is off only
    when serving plain HTTP on loopback.
    """
    env = _templates()
    limiter = LoginLimiter(clock)
    tz = ZoneInfo(config.deadline.timezone)

    def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("csrf", csrf_token(request.session))
        context.setdefault("user", _account(request))
        context.setdefault("county", config.county.name)
        return HTMLResponse(env.get_template(template).render(**context), status_code=status)

    async def health(request: Request) -> Response:
        if store_readable(engine, config):
            return JSONResponse({"status": "ok", "store": "ok"})
        return JSONResponse({"status": "unavailable", "store": "unavailable"}, status_code=503)

    async def login_form(request: Request) -> Response:
        return render(request, "login.html.j2")

    async def login(request: Request) -> Response:
        form = await request.form()
        if not csrf_ok(request.session, form.get("csrf")):
            return render(request, "error.html.j2", 403, message="Formuläret var för gammalt. Ladda om sidan.")
        client = request.client.host if request.client else "?"
        if limiter.blocked(client):
            return render(request, "login.html.j2", 429, error="För många försök. Vänta en stund och försök igen.")
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        account = check_user(engine, name, password)
        if account is None:
            limiter.failed(client)
            return render(request, "login.html.j2", 401, error="Fel namn eller lösenord.", name=name)
        limiter.succeeded(client)
        renew_session(request.session)
        request.session.update({"user": account.name, "role": account.role.value, "county": account.county,
                                "seen": clock().isoformat()})
        return RedirectResponse("/", status_code=303)

    async def logout(request: Request) -> Response:
        form = await request.form()
        if not csrf_ok(request.session, form.get("csrf")):
            return render(request, "error.html.j2", 403, message="Formuläret var för gammalt. Ladda om sidan.")
        request.session.clear()
        return RedirectResponse("/logga-in", status_code=303)

    def signed_in(request: Request) -> Account | None:
        """The session's account, unless it has been idle too long (then the session is emptied)."""
        account = _account(request)
        if account is None:
            return None
        now = clock()
        try:
            seen = datetime.fromisoformat(str(request.session.get("seen")))
        except ValueError:
            seen = None
        if seen is None or now - seen > IDLE_TIMEOUT:
            request.session.clear()
            return None
        request.session["seen"] = now.isoformat()
        return account

    async def board(request: Request) -> Response:
        account = signed_in(request)
        if account is None:
            return RedirectResponse("/logga-in", status_code=303)
        if account.role not in BOARD_ROLES or account.county != config.county.code:
            return render(request, "error.html.j2", 403, message="Ditt konto får inte se den här sidan.")
        now = clock()
        try:
            period = Period.parse(request.query_params.get("period") or f"{now.astimezone(tz):%Y-%m}")
        except ValueError:
            return render(request, "error.html.j2", 400, message="Ange månaden som ÅÅÅÅ-MM.")
        return render(request, "board.html.j2", board=board_for(engine, config, period, now),
                      previous=period.previous(), next=period.next())

    routes = [
        Route("/health", health),
        Route("/", board),
        Route("/logga-in", login_form, methods=["GET"]),
        Route("/logga-in", login, methods=["POST"]),
        Route("/logga-ut", logout, methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("web", "static")]), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=secret_key or secrets.token_urlsafe(32),
                   session_cookie="lagesbild_session", max_age=SESSION_MAX_AGE, same_site="strict",
                   https_only=secure_cookies),
    ]
    return Starlette(routes=routes, middleware=middleware)


def _account(request: Request) -> Account | None:
    """The signed-in account the session names, or None."""
    s = request.session
    if not isinstance(s.get("user"), str) or s.get("role") not in {r.value for r in Role}:
        return None
    return Account(s["user"], Role(s["role"]), str(s.get("county", "")))
