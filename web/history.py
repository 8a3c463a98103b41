"""A municipality's history, correcting a misread value, and the originals for download.

    GET  /kommun/{name}?ar=YYYY                  a year's reports (default the newest), every version, what
                                                 changed, the mail sent; links to the other years
    GET  /kommun/{name}/rattelse?period=P&fraga=N  the correction form (staff)
    POST /kommun/{name}/rattelse                 make the correction (staff; CSRF-checked)
    GET  /kommun/{name}/meddelande/{id}.eml      the raw mail (staff)
    GET  /kommun/{name}/version/{id}/fil         the file a version was read from (staff)

Leadership and admin accounts see the history without the comments held for
a confidentiality review, without downloads and without the correction form.
Everything is looked up within the configured county, so an id of another
county's message or version answers 404 like one that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from flow.accounts import Account, Role
from flow.correction import KEEP, CorrectionRefused, CorrectionRequest, Keep, correct
from flow.history import Download, municipality_history, original_attachment, original_mail
from flow.settings import Config
from parsers.result import Period
from web.page import EVERY_ROLE, STAFF_ONLY, Page

MAIL_KINDS = {"receipt": "Kvittens", "error_reply": "Felsvar", "duplicate_notice": "Redan mottagen",
              "correction_notice": "Rättelse till kommunen", "signal": "Signal", "staff_notice": "Till handläggare",
              "quarantine_notice": "Karantän", "reply_ack": "Svar mottaget", "staff_forward": "Vidarebefordrat",
              "reminder": "Påminnelse"}
MAIL_STATUS = {"queued": "väntar på att skickas", "sent": "skickat", "failed": "kunde inte skickas"}
FLAGS = {"late": "sen", "corrected": "rättad av länet", "personal_data": "personuppgifter", "held": "granskas",
         "released": "släppt efter granskning", "period_inferred": "perioden härledd", "period_doubt": "osäker period",
         "text_replaced": "tecken ersatta", "reprocessed": "omläst"}
VERSION_STATUS = {"active": "gäller", "superseded": "ersatt", "held": "granskas (personuppgifter)"}


def history_url(municipality: str) -> str:
    """The history page of `municipality`."""
    return f"/kommun/{quote(municipality, safe='')}"


def routes(page: Page) -> list[BaseRoute]:
    """The history's routes."""

    def municipality_of(request: Request) -> str | None:
        m = page.config.municipality(str(request.path_params["name"]))
        return m.name if m else None

    def local(moment: datetime | None) -> str:
        return moment.astimezone(page.tz).strftime("%Y-%m-%d %H:%M") if moment else ""

    async def history(request: Request) -> Response:
        account = page.guard(request, EVERY_ROLE)
        if isinstance(account, Response):
            return account
        name = municipality_of(request)
        if name is None:
            return page.error(request, 404, "Det finns ingen sådan kommun i länet.")
        staff = account.role is Role.STAFF
        year_text = request.query_params.get("ar", "")
        if year_text and not (year_text.isdigit() and len(year_text) == 4):
            return page.error(request, 400, "Ange året som ÅÅÅÅ.")
        notice = None
        if request.query_params.get("rattad"):
            notice = (f"Rättelsen av {request.query_params.get('rattad')} är sparad som version "
                      f"{request.query_params.get('version', '')}.")
        return page.render(request, "history.html.j2",
                           history=municipality_history(page.engine, page.config, name, show_withheld=staff,
                                                        year=int(year_text) if year_text else None),
                           municipality=name, base=history_url(name), staff=staff, local=local, notice=notice,
                           mail_kinds=MAIL_KINDS, mail_status=MAIL_STATUS, version_status=VERSION_STATUS,
                           flags=FLAGS)

    async def correction_form(request: Request) -> Response:
        account = page.guard(request, STAFF_ONLY)
        if isinstance(account, Response):
            return account
        name = municipality_of(request)
        if name is None:
            return page.error(request, 404, "Det finns ingen sådan kommun i länet.")
        return _correction_page(page, request, name, dict(request.query_params), None, 200)

    async def correction_post(request: Request) -> Response:
        account = page.guard(request, STAFF_ONLY)
        if isinstance(account, Response):
            return account
        name = municipality_of(request)
        if name is None:
            return page.error(request, 404, "Det finns ingen sådan kommun i länet.")
        form = await page.posted(request)
        if isinstance(form, Response):
            return form
        fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        try:
            made = correct(page.engine, page.config, _request(page.config, account, name, fields), page.clock())
        except (CorrectionRefused, ValueError) as exc:
            return _correction_page(page, request, name, fields, str(exc), 400)
        query = urlencode({"ar": made.period.year, "rattad": str(made.period), "version": made.version})
        return RedirectResponse(f"{history_url(name)}?{query}#p-{made.period}", status_code=303)

    async def raw_mail(request: Request) -> Response:
        account = page.guard(request, STAFF_ONLY)
        if isinstance(account, Response):
            return account
        name = municipality_of(request)
        found = name and original_mail(page.engine, page.config, name, int(request.path_params["raw_id"]),
                                       account.name, page.clock())
        return _download(page, request, found or None)

    async def attachment(request: Request) -> Response:
        account = page.guard(request, STAFF_ONLY)
        if isinstance(account, Response):
            return account
        name = municipality_of(request)
        found = name and original_attachment(page.engine, page.config, name,
                                             int(request.path_params["submission_id"]), account.name, page.clock())
        return _download(page, request, found or None)

    return [
        Route("/kommun/{name}", history, methods=["GET"]),
        Route("/kommun/{name}/rattelse", correction_form, methods=["GET"]),
        Route("/kommun/{name}/rattelse", correction_post, methods=["POST"]),
        Route("/kommun/{name}/meddelande/{raw_id:int}.eml", raw_mail, methods=["GET"]),
        Route("/kommun/{name}/version/{submission_id:int}/fil", attachment, methods=["GET"]),
    ]


def _request(config: Config, account: Account, municipality: str, fields: dict[str, str]) -> CorrectionRequest:
    """The posted correction form as a request; ValueError (worded for the clerk) when a field is malformed."""
    try:
        period = Period.parse(fields.get("period", ""))
    except ValueError:
        raise ValueError("Perioden saknas eller är felskriven.") from None
    try:
        question = int(fields.get("fraga", ""))
    except ValueError:
        raise ValueError("Ange vilken fråga som ska rättas.") from None
    impact: int | None | Keep = KEEP
    if "impact" in fields:
        text = fields["impact"].strip()
        try:
            impact = int(text) if text else None
        except ValueError:
            scale = config.county.form.scale
            raise ValueError(f"Påverkan ska vara en siffra {scale.min}–{scale.max}.") from None
    based_on = fields.get("version", "")
    return CorrectionRequest(
        municipality=municipality, period=period, question=question, reason=fields.get("reason", ""),
        actor=account.name, impact=impact, comment=fields.get("comment", KEEP),
        based_on=int(based_on) if based_on.isdigit() else None)


def _correction_page(page: Page, request: Request, municipality: str, fields: dict[str, str], error: str | None,
                     status: int) -> Response:
    """The correction form for one question of the latest version, filled with what was posted (or stored)."""
    try:
        period = Period.parse(fields.get("period", ""))
        number = int(fields.get("fraga", ""))
        question = page.config.county.form.question(number)
    except (ValueError, KeyError):
        return page.error(request, 400, "Ange perioden och frågan som ska rättas.")
    history = municipality_history(page.engine, page.config, municipality, show_withheld=True, year=period.year)
    report = next((r for r in history.reports if r.period == period), None)
    if report is None:
        return page.error(request, 404, f"Det finns ingen rapport från {municipality} för {period}.")
    latest = report.latest
    current = next(a for a in latest.answers if a.number == number)
    scale = page.config.county.form.scale
    return page.render(
        request, "correction.html.j2", status, municipality=municipality, base=history_url(municipality),
        period=period, question=question, version=latest, current=current, error=error,
        levels=[(v, scale.name_of(v)) for v in range(scale.min, scale.max + 1)],
        impact=fields.get("impact", "" if current.impact is None else str(current.impact)),
        comment=fields.get("comment", current.comment), reason=fields.get("reason", ""),
        tell=page.config.corrections.tell_municipality)


def _download(page: Page, request: Request, found: Download | None) -> Response:
    if found is None:
        return page.error(request, 404, "Filen finns inte (eller sparas inte längre).")
    disposition = f"attachment; filename*=UTF-8''{quote(found.filename, safe='')}"
    return Response(found.content, media_type=found.content_type,
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})
