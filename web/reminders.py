"""Påminnelser: for a period, each municipality's reminders so far and the next one; "remind now"
queues that one in the outbox at once. Staff only."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from flow.manual_reminders import STAGE_NAMES, remind_now, reminder_choices
from flow.staff_ops import OperationRefused
from parsers.result import Period
from web.desk import done, refused, take_note
from web.page import Page

BAD_PERIOD = "Ange perioden som ÅÅÅÅ-MM (eller ÅÅÅÅ-Vnn för en vecka)."


def routes(page: Page) -> list[BaseRoute]:
    """The reminders' routes."""

    def period_of(text: str | None) -> Period:
        now = page.clock().astimezone(page.tz)
        return Period.parse(text) if text else Period(now.year, now.month)

    async def listing(request: Request) -> Response:
        account = page.guard(request)
        if isinstance(account, Response):
            return account
        try:
            period = period_of(request.query_params.get("period"))
        except ValueError:
            return page.error(request, 400, BAD_PERIOD)
        choices = await run_in_threadpool(reminder_choices, page.engine, page.config, period, page.clock())
        return page.render(request, "reminders.html.j2", period=period, choices=choices, stages=STAGE_NAMES,
                           note=take_note(request))

    async def send(request: Request) -> Response:
        acted = await page.acted(request)
        if isinstance(acted, Response):
            return acted
        account, form = acted
        municipality = str(form.get("kommun", ""))
        try:
            period = period_of(str(form.get("period", "")) or None)
        except ValueError:
            return page.error(request, 400, BAD_PERIOD)
        try:
            choice = await run_in_threadpool(lambda: remind_now(page.engine, page.config, municipality, period,
                                                                page.clock(), actor=account.name))
        except OperationRefused as exc:
            return refused(page, request, exc)
        stage = STAGE_NAMES.get(choice.next_stage, choice.next_stage)
        return done(request, f"/paminnelser?period={period}",
                    f"Påminnelsen ({stage}) till {municipality} ligger i utkorgen och skickas strax "
                    f"till {', '.join(choice.to)}.")

    return [
        Route("/paminnelser", listing, methods=["GET"]),
        Route("/paminnelser/skicka", send, methods=["POST"]),
    ]
