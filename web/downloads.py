"""Hämta: the year's workbook and a period's digest (staff and leadership), the blank form and
forms pre-filled per municipality (staff). Never raw mail: that is the history's, staff only."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from flow.accounts import Role
from flow.downloads import blank_form, digest_html, last_area, workbook
from flow.staff_ops import OperationRefused
from parsers.result import Period
from web.page import Page

READERS = frozenset({Role.STAFF, Role.LEADERSHIP})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def attachment(name: str, data: bytes | str, media_type: str) -> Response:
    """`data` as a file to save as `name` (RFC 6266: an ASCII fallback and the UTF-8 name)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().replace('"', "") or "fil"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    # Not kept in a shared desk browser's cache: the workbook and digest hold the county's picture.
    return Response(data, media_type=media_type, headers={"content-disposition": disposition,
                                                          "cache-control": "no-store"})


def routes(page: Page) -> list[BaseRoute]:
    """The downloads' routes."""

    def period_of(text: str | None) -> Period:
        now = page.clock().astimezone(page.tz)
        return Period.parse(text) if text else Period(now.year, now.month).previous()

    async def index(request: Request) -> Response:
        account = page.guard(request, READERS)
        if isinstance(account, Response):
            return account
        now = page.clock().astimezone(page.tz)
        return page.render(request, "downloads.html.j2", year=now.year, period=period_of(None),
                           staff=account.role is Role.STAFF, area_field=bool(page.config.county.form.labels.area),
                           municipalities=[m.name for m in page.config.municipalities])

    async def get_workbook(request: Request) -> Response:
        account = page.guard(request, READERS)
        if isinstance(account, Response):
            return account
        try:
            year = int(request.query_params.get("ar") or page.clock().astimezone(page.tz).year)
            if not 1900 <= year <= 2999:
                raise ValueError(year)
        except ValueError:
            return page.error(request, 400, "Ange året som ÅÅÅÅ.")
        name, data = await run_in_threadpool(workbook, page.engine, page.config, year, page.clock())
        return attachment(name, data, XLSX)

    async def get_digest(request: Request) -> Response:
        account = page.guard(request, READERS)
        if isinstance(account, Response):
            return account
        try:
            period = period_of(request.query_params.get("period"))
        except ValueError:
            return page.error(request, 400, "Ange perioden som ÅÅÅÅ-MM (eller ÅÅÅÅ-Vnn för en vecka).")
        name, html = await run_in_threadpool(digest_html, page.engine, page.config, period, page.clock())
        return attachment(name, html, "text/html; charset=utf-8")

    async def get_form(request: Request) -> Response:
        account = page.guard(request)
        if isinstance(account, Response):
            return account
        q = request.query_params
        ext = q.get("format", "docx")
        try:
            period = Period.parse(q["period"]) if q.get("period") else None
        except ValueError:
            return page.error(request, 400, "Ange perioden som ÅÅÅÅ-MM (eller ÅÅÅÅ-Vnn för en vecka).")
        municipality = q.get("kommun") or None
        # On a form that asks for the area: the one typed, else (when asked) the municipality's last.
        area = (q.get("omrade") or "").strip() or None if page.config.county.form.labels.area else None
        try:
            if area is None and municipality and q.get("senaste_omrade") and page.config.county.form.labels.area:
                area = await run_in_threadpool(last_area, page.engine, page.config, municipality)
            name, data = await run_in_threadpool(blank_form, page.config, ext, municipality, period, area)
        except OperationRefused as exc:
            return page.error(request, 400, str(exc))
        return attachment(name, data, XLSX if ext == "xlsx" else DOCX)

    return [
        Route("/hamta", index, methods=["GET"]),
        Route("/hamta/arbetsbok", get_workbook, methods=["GET"]),
        Route("/hamta/sammanfattning", get_digest, methods=["GET"]),
        Route("/hamta/blankett", get_form, methods=["GET"]),
    ]
