"""Läget: the period at a glance (`/`), and the year at a glance like the workbook (`/ar`)."""

from __future__ import annotations

from typing import cast
from urllib.parse import quote

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from flow.board import Board, board_for
from flow.year_board import YearBoard, year_board
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


def board_cells(board: Board) -> list[Markup]:
    """Each municipality's level cells on the board as HTML, the template's markup for them written
    once here (2,000 cells through Jinja's expressions were a third of the board's time)."""
    rows = []
    for row in board.rows:
        cells = []
        for number, _ in board.questions:
            level = row.levels[number]
            text = "granskas" if number in row.withheld else "–" if level is None else level
            cells.append(f'\n<td class="level level-{"none" if level is None else level}">{text}</td>\n')
        rows.append(Markup("".join(cells)))
    return rows


def year_cells(view: YearBoard, labels: dict[str, str]) -> list[Markup]:
    """Each row's cells of the year view as HTML, the template's markup for them written once here.

    3,500 cells through Jinja's expressions (an escape, an attribute and a lookup each, eight a
    cell) were most of the year view's time; here a cell is one format of parts escaped once a row.
    """
    periods = {p: str(p) for p in view.periods}
    shown = {state: escape(label) for state, label in labels.items()}
    rows = []
    for row in view.rows:
        name = escape(row.municipality)
        href = escape(f"/kommun/{quote(row.municipality, safe='/')}?ar={view.year}")
        cells = []
        for cell in row.cells:
            state = cell.state.value
            level = "none" if cell.level is None else cell.level
            if state == "not_due":
                cells.append(f'\n<td class="level level-{level} state {state}"></td>\n')
                continue
            text = cell.level if cell.level is not None else shown[state] if state in ("missing", "pending") else "–"
            held = ", granskas" if cell.withheld else ""
            cells.append(f'\n<td class="level level-{level} state {state}"><a href="{href}" '
                         f'title="{name} {periods[cell.period]}: {shown[state]}{held}">{text}</a></td>\n')
        rows.append(Markup("".join(cells)))
    return rows


def routes(page: Page) -> list[BaseRoute]:
    """The board's routes."""
    cadence = page.config.county.form.cadence
    labels = cast(dict[str, str], page.env.globals["state_labels"])  # web.app's STATE_LABELS

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
        view = board_for(page.engine, page.config, period, now)
        return page.render(request, "board.html.j2", board=view, cells=board_cells(view),
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
        return page.render(request, "board_year.html.j2", view=view,
                           cells=year_cells(view, labels))

    return [Route("/", board), Route("/ar", year)]
