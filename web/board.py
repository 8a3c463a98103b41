"""Läget: the month at a glance."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from flow.board import board_for
from parsers.result import Period
from web.page import EVERY_ROLE, Page


def routes(page: Page) -> list[BaseRoute]:
    """The board's routes."""

    async def board(request: Request) -> Response:
        account = page.guard(request, EVERY_ROLE)
        if isinstance(account, Response):
            return account
        now = page.clock()
        try:
            period = Period.parse(request.query_params.get("period") or f"{now.astimezone(page.tz):%Y-%m}")
        except ValueError:
            return page.error(request, 400, "Ange månaden som ÅÅÅÅ-MM.")
        return page.render(request, "board.html.j2", board=board_for(page.engine, page.config, period, now),
                           previous=period.previous(), next=period.next())

    return [Route("/", board)]
