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
from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from flow.accounts import check_user
from flow.audit_log import SIGN_IN_FAILED, SIGN_IN_THROTTLED, SIGNED_IN, SIGNED_OUT, record_sign_in
from flow.board import store_readable
from flow.settings import Config
from web import accounts, audit, board, downloads, errors, history, oidc, quarantine, reminders, review
from web.page import Page
from web.security import LoginLimiter, SecurityHeaders, renew_session

STATE_LABELS = {"on_time": "i tid", "late": "sen", "missing": "saknas", "pending": "väntar",
                "not_due": "ej aktuell"}
SESSION_MAX_AGE = 8 * 3600  # a working day at most, however active

# Each area of the page: a module with `routes(page)`. Add a new area here.
AREAS: list[Callable[[Page], list[BaseRoute]]] = [
    board.routes,
    oidc.routes,
    accounts.routes,
    quarantine.routes,
    review.routes,
    errors.routes,
    downloads.routes,
    reminders.routes,
    history.routes,
    audit.routes,
]


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
    page = Page(config, engine, clock, _templates())
    limiter = LoginLimiter(clock)

    async def health(request: Request) -> Response:
        if store_readable(engine, config):
            return JSONResponse({"status": "ok", "store": "ok"})
        return JSONResponse({"status": "unavailable", "store": "unavailable"}, status_code=503)

    def login_page(request: Request, status: int = 200, **context: object) -> Response:
        return page.render(request, "login.html.j2", status, oidc=config.web.oidc.enabled,
                           local=config.web.local_accounts, **context)

    async def login_form(request: Request) -> Response:
        return login_page(request)

    async def login(request: Request) -> Response:
        form = await page.posted(request)
        if isinstance(form, Response):
            return form
        if not config.web.local_accounts:
            return login_page(request, 403, error="Logga in med Microsoft.")
        client = request.client.host if request.client else "?"
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        if limiter.blocked(client):
            record_sign_in(engine, config, SIGN_IN_THROTTLED, name, f"lokalt konto, från {client}", clock())
            return login_page(request, 429, error="För många försök. Vänta en stund och försök igen.")
        account = check_user(engine, name, password)
        if account is None:
            limiter.failed(client)
            record_sign_in(engine, config, SIGN_IN_FAILED, name, f"fel namn eller lösenord, från {client}", clock())
            return login_page(request, 401, error="Fel namn eller lösenord.", name=name)
        limiter.succeeded(client)
        record_sign_in(engine, config, SIGNED_IN, account.name, f"lokalt konto, från {client}", clock(),
                       county=account.county)
        renew_session(request.session)
        request.session.update({"user": account.name, "role": account.role.value, "county": account.county,
                                "seen": clock().isoformat(), "via": "local"})
        return RedirectResponse("/", status_code=303)

    async def logout(request: Request) -> Response:
        form = await page.posted(request)
        if isinstance(form, Response):
            return form
        user = request.session.get("user")
        if isinstance(user, str):
            via = "Microsoft" if request.session.get("via") == "oidc" else "lokalt konto"
            record_sign_in(engine, config, SIGNED_OUT, user, via, clock(), county=request.session.get("county"))
        at_provider = await oidc.sign_out_target(page, request)
        request.session.clear()
        return RedirectResponse(at_provider or "/logga-in", status_code=303)

    routes: list[BaseRoute] = [
        Route("/health", health),
        Route("/logga-in", login_form, methods=["GET"]),
        Route("/logga-in", login, methods=["POST"]),
        Route("/logga-ut", logout, methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("web", "static")]), name="static"),
    ]
    for area in AREAS:
        routes.extend(area(page))
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=secret_key or secrets.token_urlsafe(32),
                   session_cookie="lagesbild_session", max_age=SESSION_MAX_AGE, same_site="strict",
                   https_only=secure_cookies),
    ]
    return Starlette(routes=routes, middleware=middleware)
