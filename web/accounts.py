"""Konton: an administrator lists the county's local accounts, adds one, and disables one.

Accounts signed in through Entra ID are not listed: the tenant's app roles
decide those (see web/oidc.py). Every change is audited with the admin's name.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from flow.accounts import MIN_PASSWORD_LENGTH, AccountExists, Role, WeakPassword, add_user, disable_user, list_users
from web.page import ADMIN_ONLY, Page

ROLE_LABELS = {Role.STAFF: "handläggare", Role.LEADERSHIP: "ledning", Role.ADMIN: "administratör"}


def routes(page: Page) -> list[BaseRoute]:
    """The accounts page's routes."""

    def show(request: Request, status: int = 200, **context: object) -> Response:
        accounts = list_users(page.engine, page.config.county.code)
        return page.render(request, "accounts.html.j2", status, accounts=accounts, roles=ROLE_LABELS,
                           min_length=MIN_PASSWORD_LENGTH, **context)

    async def listing(request: Request) -> Response:
        account = page.guard(request, ADMIN_ONLY)
        if isinstance(account, Response):
            return account
        return show(request)

    async def add(request: Request) -> Response:
        acted = await page.acted(request, ADMIN_ONLY)
        if isinstance(acted, Response):
            return acted
        account, form = acted
        name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
        try:
            role = Role(str(form.get("role", "")))
        except ValueError:
            return show(request, 400, error="Välj en roll.", name=name)
        if not name:
            return show(request, 400, error="Ange ett namn.")
        if password != str(form.get("password2", "")):
            return show(request, 400, error="Lösenorden är inte lika.", name=name)
        try:
            add_user(page.engine, name, role, page.config.county.code, password, page.clock(), actor=account.name)
        except WeakPassword:
            return show(request, 400, error=f"Lösenordet måste ha minst {MIN_PASSWORD_LENGTH} tecken.", name=name)
        except AccountExists:
            return show(request, 409, error=f"Det finns redan ett konto som heter {name}.", name=name)
        return show(request, notice=f"Kontot {name} ({ROLE_LABELS[role]}) är skapat.")

    async def disable(request: Request) -> Response:
        acted = await page.acted(request, ADMIN_ONLY)
        if isinstance(acted, Response):
            return acted
        account, form = acted
        name = str(form.get("name", "")).strip()
        if name == account.name:
            return show(request, 400, error="Du kan inte inaktivera ditt eget konto.")
        # Another county's account, or none: the same answer, so names elsewhere cannot be probed.
        if not disable_user(page.engine, name, page.config.county.code, page.clock(), actor=account.name):
            return show(request, 404, error="Det finns inget aktivt konto med det namnet.")
        return show(request, notice=f"Kontot {name} är inaktiverat och kan inte längre logga in.")

    return [Route("/konton", listing, methods=["GET"]), Route("/konton", add, methods=["POST"]),
            Route("/konton/inaktivera", disable, methods=["POST"])]
