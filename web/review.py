"""Granskning: reports held because a comment seems to hold personal data, each held comment with
the data marked; release after review, or ask the municipality for a version without it.
Staff only: leadership never sees a held comment."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from flow.desk import NotHere
from flow.review_desk import ask_for_clean_version, held_reports, release_reviewed
from flow.staff_ops import OperationRefused
from web.desk import done, refused, take_note
from web.page import Page


def routes(page: Page) -> list[BaseRoute]:
    """The review's routes."""

    async def listing(request: Request) -> Response:
        account = page.guard(request)
        if isinstance(account, Response):
            return account
        reports = await run_in_threadpool(held_reports, page.engine, page.config)
        response = page.render(request, "review.html.j2", reports=reports, note=take_note(request), tz=page.tz)
        response.headers["cache-control"] = "no-store"  # held personal data stays out of the browser's cache
        return response

    async def release(request: Request) -> Response:
        acted = await page.acted(request)
        if isinstance(acted, Response):
            return acted
        account, form = acted
        submission_id = int(request.path_params["submission_id"])
        try:
            filed = await run_in_threadpool(lambda: release_reviewed(page.engine, page.config, submission_id,
                                                                     page.clock(), actor=account.name))
        except (NotHere, OperationRefused) as exc:
            return refused(page, request, exc)
        return done(request, "/granskning", f"{filed.municipality} {filed.period} version {filed.version} är släppt "
                    "och syns i sammanställningen.")

    async def ask(request: Request) -> Response:
        acted = await page.acted(request)
        if isinstance(acted, Response):
            return acted
        account, form = acted
        submission_id = int(request.path_params["submission_id"])
        try:
            to = await run_in_threadpool(lambda: ask_for_clean_version(page.engine, page.config, submission_id,
                                                                       page.clock(), actor=account.name))
        except (NotHere, OperationRefused) as exc:
            return refused(page, request, exc)
        return done(request, "/granskning", f"Ett brev till {', '.join(to)} ligger i utkorgen: kommunen ombeds "
                    "skicka en ny version utan personuppgifterna.")

    return [
        Route("/granskning", listing, methods=["GET"]),
        Route("/granskning/{submission_id:int}/slapp", release, methods=["POST"]),
        Route("/granskning/{submission_id:int}/be-om-ny-version", ask, methods=["POST"]),
    ]
