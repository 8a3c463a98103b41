"""Fel: messages that failed (waiting for a retry, or parked) with their error and tries, and
"retry now". Staff only."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from flow.desk import NotHere
from flow.error_desk import failed_messages, retry_now
from web.desk import done, refused, take_note
from web.page import Page

OUTCOMES = {"stored": "registrerat", "correction": "registrerat som rättelse", "duplicate": "redan mottaget",
            "ignored": "automatiskt svar, ignorerat", "quarantined": "lagt i karantän", "rejected": "besvarat med fel",
            "forwarded": "vidarebefordrat till er", "failed": "misslyckades igen"}


def routes(page: Page) -> list[BaseRoute]:
    """The error list's routes."""

    async def listing(request: Request) -> Response:
        account = page.guard(request)
        if isinstance(account, Response):
            return account
        items = await run_in_threadpool(failed_messages, page.engine, page.config)
        return page.render(request, "errors.html.j2", items=items, note=take_note(request), tz=page.tz)

    async def retry(request: Request) -> Response:
        acted = await page.acted(request)
        if isinstance(acted, Response):
            return acted
        account, form = acted
        raw_id = int(request.path_params["raw_id"])
        try:
            result = await run_in_threadpool(lambda: retry_now(page.engine, page.config, raw_id, page.clock(),
                                                               actor=account.name))
        except NotHere as exc:
            return refused(page, request, exc)
        if result.error:
            note = f"Meddelande {raw_id} misslyckades igen: {result.error}"
        elif result.scheduled:
            note = f"Meddelande {raw_id} hämtas igen ur brevlådan vid arbetarens nästa varv."
        else:
            note = f"Meddelande {raw_id} är behandlat: {OUTCOMES.get(result.outcome, result.outcome)}."
        return done(request, "/fel", note)

    return [
        Route("/fel", listing, methods=["GET"]),
        Route("/fel/{raw_id:int}/forsok-igen", retry, methods=["POST"]),
    ]
