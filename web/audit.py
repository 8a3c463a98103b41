"""The audit log: every decision and every staff action, filtered by municipality, actor and date.

    GET /logg?kommun=&aktor=&fran=YYYY-MM-DD&till=YYYY-MM-DD&sida=N

Staff and admin accounts only (leadership reads the picture, not the trail of
messages); only the configured county's lines.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from flow.accounts import Role
from flow.audit_log import AuditFilter, audit_page
from web.page import Page

STAFF_AND_ADMIN = frozenset({Role.STAFF, Role.ADMIN})
# The audit trail's event codes (the worker's outcomes and the staff's actions) in the clerk's words;
# a code not listed is shown as it is.
EVENT_LABELS = {
    "received": "mottaget", "stored": "sparat", "correction": "ny version från kommunen", "duplicate": "redan mottaget",
    "ignored": "ignorerat (automatsvar)", "quarantined": "i karantän", "rejected": "felsvar", "failed": "misslyckades",
    "dropped": "borttaget ur karantän", "forwarded": "vidarebefordrat", "corrected": "rättat av länet",
    "downloaded": "hämtat original", "imported": "importerat", "not_answered": "inget svar skickat",
    "released": "släppt ur karantän", "released_after_review": "släppt efter granskning",
    "review_asked": "ny version begärd", "reminded_by_hand": "påmint för hand",
    "reply_not_built": "svar kunde inte skrivas",
    "reply_rate_limited": "svar begränsade", "reprocessed": "omläst", "retention": "gallrat", "retried": "försökt igen",
    "retry_failed": "nytt försök misslyckades", "retry_requested": "nytt försök begärt",
    "send_failed": "kunde inte skickas",
    "signal_unchanged": "signal oförändrad", "account_added": "konto skapat", "account_disabled": "konto avstängt",
    "signed_in": "inloggad", "sign_in_failed": "misslyckad inloggning",
    "sign_in_throttled": "inloggning stoppad (för många försök)", "signed_out": "utloggad",
}


def routes(page: Page) -> list[BaseRoute]:
    """The audit log's routes."""

    def local(moment: datetime) -> str:
        return moment.astimezone(page.tz).strftime("%Y-%m-%d %H:%M:%S")

    async def audit_log(request: Request) -> Response:
        account = page.guard(request, STAFF_AND_ADMIN)
        if isinstance(account, Response):
            return account
        q = request.query_params
        try:
            since = _day(q.get("fran", ""))
            until = _day(q.get("till", ""))
            number = int(q.get("sida") or 1)
        except ValueError:
            return page.error(request, 400, "Ange datum som ÅÅÅÅ-MM-DD och sidan som ett tal.")
        municipality = q.get("kommun") or None
        if municipality and page.config.municipality(municipality) is None:
            return page.error(request, 400, "Det finns ingen sådan kommun i länet.")
        wanted = AuditFilter(municipality, q.get("aktor") or None, since, until, number)
        result = audit_page(page.engine, page.config, wanted)
        kept = {k: v for k, v in {"kommun": municipality or "", "aktor": wanted.actor or "",
                                  "fran": q.get("fran", ""), "till": q.get("till", "")}.items() if v}

        def page_url(n: int) -> str:
            return "/logg?" + urlencode({**kept, "sida": n})

        return page.render(request, "audit.html.j2", log=result, wanted=wanted, local=local, page_url=page_url,
                           fran=q.get("fran", ""), till=q.get("till", ""), events=EVENT_LABELS)

    return [Route("/logg", audit_log, methods=["GET"])]


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None
