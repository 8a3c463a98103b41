"""Karantän: each held message with its parts and what each form says; release to a municipality
after a preview of the effect (with a warning when the form names another municipality), or drop
it with a reason. Staff only."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from flow.desk import NotHere
from flow.quarantine_desk import drop, list_quarantine, preview_release, quarantined_mail, release_to
from flow.staff_ops import OperationRefused
from web.desk import done, refused, take_note
from web.page import Page


def routes(page: Page) -> list[BaseRoute]:
    """The quarantine's routes."""

    async def listing(request: Request) -> Response:
        account = page.guard(request)
        if isinstance(account, Response):
            return account
        items = await run_in_threadpool(list_quarantine, page.engine, page.config)
        return page.render(request, "quarantine.html.j2", items=items, note=take_note(request), tz=page.tz)

    async def one(request: Request) -> Response:
        account = page.guard(request)
        if isinstance(account, Response):
            return account
        raw_id = int(request.path_params["raw_id"])
        chosen = request.query_params.get("kommun", "")
        try:
            mail = await run_in_threadpool(quarantined_mail, page.engine, page.config, raw_id)
        except NotHere as exc:
            return refused(page, request, exc)
        preview, problem = None, ""
        if chosen:
            try:
                preview = await run_in_threadpool(preview_release, page.engine, page.config, raw_id, chosen,
                                                  page.clock())
            except OperationRefused as exc:
                problem = str(exc)
        named = [f.municipality for f in mail.forms if f.municipality]
        response = page.render(request, "quarantine_item.html.j2", mail=mail, preview=preview, problem=problem,
                               chosen=chosen or (named[0] if named else ""), tz=page.tz,
                               municipalities=[m.name for m in page.config.municipalities])
        response.headers["cache-control"] = "no-store"  # an untrusted mail's content stays out of the cache
        return response

    async def release(request: Request) -> Response:
        acted = await page.acted(request)
        if isinstance(acted, Response):
            return acted
        account, form = acted
        raw_id = int(request.path_params["raw_id"])
        municipality = str(form.get("kommun", ""))
        try:
            preview = await run_in_threadpool(
                lambda: release_to(page.engine, page.config, raw_id, municipality, page.clock(), actor=account.name,
                                   other_confirmed=form.get("bekrafta") == "ja"))
        except (NotHere, OperationRefused) as exc:
            return refused(page, request, exc)
        filed = "; ".join(f"{s.filename}: {s.text}" for s in preview.steps)
        return done(request, "/karantan", f"Meddelande {raw_id} släppt till {municipality}. {filed}")

    async def remove(request: Request) -> Response:
        acted = await page.acted(request)
        if isinstance(acted, Response):
            return acted
        account, form = acted
        raw_id = int(request.path_params["raw_id"])
        try:
            await run_in_threadpool(lambda: drop(page.engine, page.config, raw_id, str(form.get("orsak", "")),
                                                 page.clock(), actor=account.name))
        except (NotHere, OperationRefused) as exc:
            return refused(page, request, exc)
        return done(request, "/karantan", f"Meddelande {raw_id} är borttaget ur karantänen.")

    return [
        Route("/karantan", listing, methods=["GET"]),
        Route("/karantan/{raw_id:int}", one, methods=["GET"]),
        Route("/karantan/{raw_id:int}/slapp", release, methods=["POST"]),
        Route("/karantan/{raw_id:int}/ta-bort", remove, methods=["POST"]),
    ]
