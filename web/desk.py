"""What the staff's desk pages share (quarantine, review, errors, downloads, reminders): a note
carried to the next page after an action, and turning a refusal into a page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from flow.desk import NotHere
from flow.staff_ops import OperationRefused
from ground.errors import ConfigError
from web.page import Page

NOT_HERE = "Det finns inte här. Det kan redan vara hanterat, eller hör till ett annat län."


def done(request: Request, to: str, note: str) -> Response:
    """After an action: back to `to` (303), which shows `note` once."""
    request.session["note"] = note
    return RedirectResponse(to, status_code=303)


def take_note(request: Request) -> str:
    """The note an action left for this page ("" when none)."""
    note = request.session.pop("note", "")
    return note if isinstance(note, str) else ""


def refused(page: Page, request: Request, exc: Exception) -> Response:
    """The page for a use case's refusal: 404 for what is not here, 409 for a refused action."""
    if isinstance(exc, NotHere):
        return page.error(request, 404, NOT_HERE)
    if isinstance(exc, OperationRefused | ConfigError):
        return page.error(request, 409, str(exc))
    raise exc
