"""Protected PDFs: an owner password only restricts, a user password locks.

A PDF with only an owner ("permissions") password opens in every viewer
without asking for anything; only printing, copying or editing is
restricted. It must be read like any other PDF. A PDF with a user
password cannot be opened without it, and is refused with a Swedish issue
that tells the sender what to do.

The files are real: the county's Word template exported by LibreOffice with
"Begränsa behörigheter" set, and the same or a reportlab page encrypted by
pypdf with every permission cleared (/P 0, which broke pdfminer's key
derivation) under each algorithm a PDF writer uses.
"""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.constants import UserAccessPermissions
from reportlab.pdfgen import canvas

from parsers import parse_bytes
from parsers.limits import Limits, Refused
from parsers.pdf import read_pdf
from parsers.result import Severity
from tests.builders.mail import form_answers, form_docx
from tests.support import libreoffice

LIMITS = Limits()
ALGORITHMS = ["RC4-40", "RC4-128", "AES-128", "AES-256"]

# LibreOffice's PDF export options for "Restrict permissions" with a
# permission password: no printing, no changes, no copying of content.
_RESTRICTED_EXPORT = "pdf:writer_pdf_Export:" + json.dumps(
    {
        "RestrictPermissions": {"type": "boolean", "value": "true"},
        "PermissionPassword": {"type": "string", "value": "ägare"},
        "Printing": {"type": "long", "value": "0"},
        "Changes": {"type": "long", "value": "0"},
        "EnableCopyingOfContent": {"type": "boolean", "value": "false"},
    }
)


def one_line_pdf(text: str = "Påverkan: 3") -> bytes:
    buf = io.BytesIO()
    page = canvas.Canvas(buf)
    page.drawString(72, 720, text)
    page.save()
    return buf.getvalue()


def encrypt(data: bytes, *, user: str, owner: str, algorithm: str, permissions: int = 0) -> bytes:
    """`data` encrypted by pypdf; `permissions` 0 clears every permission bit."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user, owner, algorithm=algorithm, permissions_flag=UserAccessPermissions(permissions))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def is_encrypted(data: bytes) -> bool:
    return PdfReader(io.BytesIO(data)).is_encrypted


def file_issues(data: bytes) -> list[str]:
    result = parse_bytes(data, "Lägesbild Ludvika oktober 2026.pdf")
    return [i.message for i in result.issues if i.field == "file" and i.severity is Severity.ERROR]


# --- owner password only: read --------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_every_permission_cleared_still_reads(algorithm: str) -> None:
    data = encrypt(one_line_pdf(), user="", owner="ägare", algorithm=algorithm)
    assert is_encrypted(data)
    assert read_pdf(data, LIMITS).text_lines() == ["Påverkan: 3"]


@pytest.fixture(scope="module")
def restricted_template() -> bytes:
    """The county's Word template, exported by LibreOffice with restricted permissions."""
    if not libreoffice.available():
        pytest.skip("LibreOffice is not installed")
    return libreoffice.convert("Lägesbild Ludvika oktober 2026.docx", form_docx(), _RESTRICTED_EXPORT)


@pytest.mark.libreoffice
def test_template_with_restricted_permissions_is_read(restricted_template: bytes) -> None:
    assert is_encrypted(restricted_template)
    result = parse_bytes(restricted_template, "Lägesbild Ludvika oktober 2026.pdf")
    assert not [i for i in result.issues if i.field == "file"]
    assert result.municipality == "Ludvika"
    expected = form_answers()
    assert {q: a.impact for q, a in result.answers.items()} == {q: a.impact for q, a in expected.items()}


@pytest.mark.libreoffice
@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128"])
def test_template_with_every_permission_cleared_is_read(restricted_template: bytes, algorithm: str) -> None:
    plain = PdfReader(io.BytesIO(restricted_template))
    plain.decrypt("")
    writer = PdfWriter(clone_from=plain)
    out = io.BytesIO()
    writer.write(out)
    data = encrypt(out.getvalue(), user="", owner="ägare", algorithm=algorithm)
    result = parse_bytes(data, "Lägesbild Ludvika oktober 2026.pdf")
    assert not [i for i in result.issues if i.field == "file"]
    expected = form_answers()
    assert {q: a.impact for q, a in result.answers.items()} == {q: a.impact for q, a in expected.items()}


# --- a user password: refused, in Swedish ------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_user_password_is_refused_in_swedish(algorithm: str) -> None:
    data = encrypt(one_line_pdf(), user="hemligt", owner="ägare", algorithm=algorithm, permissions=-1)
    with pytest.raises(Refused) as info:
        read_pdf(data, LIMITS)
    message = str(info.value)
    assert "lösenord" in message and "skicka igen" in message


def test_user_password_is_one_clear_file_issue() -> None:
    data = encrypt(one_line_pdf(), user="hemligt", owner="hemligt", algorithm="AES-128", permissions=-1)
    (message,) = file_issues(data)
    assert "lösenordsskyddad" in message and "utan lösenord" in message
