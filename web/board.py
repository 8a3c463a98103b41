"""Läget: the period at a glance (`/`), and the year at a glance like the workbook (`/ar`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from flow.board import board_for
from flow.year_board import year_board
from parsers.result import Cadence, Period
from web.page import EVERY_ROLE, Page

SHAPES = {Cadence.MONTH: "Ange månaden som ÅÅÅÅ-MM, till exempel 2026-10.",
          Cadence.WEEK: "Ange veckan som ÅÅÅÅ-Vvv, till exempel 2026-V43 (eller 2026-W43)."}


def period_asked(text: str, cadence: Cadence) -> Period | None:
    """The period a query names, in the form's cadence; None when it is not one.
    A week may be written with the Swedish V as well as ISO's W."""
    try:
        period = Period.parse(text.strip().upper().replace("-V", "-W"))
    except ValueError:
        return None
    return period if period.cadence is cadence else None


def routes(page: Page) -> list[BaseRoute]:
    """The board's routes."""
    cadence = page.config.county.form.cadence

    async def board(request: Request) -> Response:
        account = page.guard(request, EVERY_ROLE)
        if isinstance(account, Response):
            return account
        now = page.clock()
        if request.query_params.get("year") or request.query_params.get("ar"):
            return await year(request)
        text = request.query_params.get("period")
        # The default is the period holding today in the form's cadence: a week for a weekly form.
        period = period_asked(text, cadence) if text else Period.containing(now.astimezone(page.tz).date(), cadence)
        if period is None:
            return page.error(request, 400, SHAPES[cadence])
        return page.render(request, "board.html.j2", board=board_for(page.engine, page.config, period, now),
                           previous=period.previous(), next=period.next(), weekly=cadence is Cadence.WEEK)

    async def year(request: Request) -> Response:
        account = page.guard(request, EVERY_ROLE)
        if isinstance(account, Response):
            return account
        now = page.clock()
        text = request.query_params.get("ar") or request.query_params.get("year") or f"{now.astimezone(page.tz):%Y}"
        asked = request.query_params.get("fraga", "")
        if not (text.isdigit() and len(text) == 4 and 1900 <= int(text) <= 2998):
            return page.error(request, 400, "Ange året som ÅÅÅÅ, till exempel 2026.")
        if asked and not asked.isdigit():
            return page.error(request, 400, "Välj en fråga med nivå, eller alla frågor.")
        try:
            view = year_board(page.engine, page.config, int(text), now, int(asked) if asked else None)
        except ValueError:
            return page.error(request, 400, "Välj en fråga med nivå, eller alla frågor.")
        return page.render(request, "board_year.html.j2", view=view)

    return [Route("/", board), Route("/ar", year)]
