"""Reminders, signal notices and compilations: built, serialised, parsed back and read."""

from __future__ import annotations

import email
import email.policy
import email.utils
import io
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any, cast
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from outputs.blank_docx import build_blank_docx
from outputs.blank_forms import blank_form_filename
from outputs.mail import envelope, to_bytes
from outputs.notices import (
    SIGNAL_EXCERPT_CHARS,
    Arrival,
    CompilationSummary,
    build_compilation,
    build_reminder,
    build_signal_notice,
    day_text,
    moment_text,
    reminder_tone,
    safe_excerpt,
)
from outputs.replies import ReplyContext
from parsers.form import default_form
from parsers.personal import find_personal_data
from parsers.result import Period

TZ = ZoneInfo("Europe/Stockholm")
MAILBOX = "lagesbild@lansstyrelsen.se"
CTX = ReplyContext("Dalarnas län", "Länsstyrelsen Dalarna, lägesbild", MAILBOX, default_form())
STAFF = ["handlaggare@lansstyrelsen.se"]
DECEMBER = Period(2026, 12)
DEADLINE = date(2026, 12, 30)
FORM = default_form()
BLANK = (blank_form_filename(FORM, "docx", "Orsa", DECEMBER), build_blank_docx(FORM, "Orsa", DECEMBER))


def parsed(msg: EmailMessage) -> EmailMessage:
    """The message as a mail client sees it: serialised to bytes and parsed back."""
    raw = to_bytes(msg)
    assert raw.isascii(), "headers and bodies must be encoded for any SMTP server"
    return email.message_from_bytes(raw, policy=email.policy.default)


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return cast(str, part.get_content()).replace("\r\n", "\n")


def assert_generated_headers(msg: EmailMessage, now: datetime) -> None:
    assert msg["From"].addresses[0].addr_spec == MAILBOX
    assert msg["From"].addresses[0].display_name == "Länsstyrelsen Dalarna, lägesbild"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert str(msg["Message-ID"]).endswith("@lansstyrelsen.se>")
    assert email.utils.parsedate_to_datetime(str(msg["Date"])) == now
    assert msg["In-Reply-To"] is None and msg["References"] is None


def personal_data_in(body: str) -> list[str]:
    """Personal data in a body, other than the county's own mailbox address."""
    return [body[f.start:f.end] for f in find_personal_data(body) if body[f.start:f.end] != MAILBOX]


# --------------------------------------------------------------------------
# Reminders
# --------------------------------------------------------------------------


def reminder(stage: str, now: datetime, cc: list[str] | None = None, **changes: Any) -> EmailMessage:
    args: dict[str, Any] = {"to": ["samordnare@orsa.se"], "cc": cc or [], "municipality": "Orsa",
                            "period": DECEMBER, "stage": stage, "deadline": DEADLINE, "blank_form": BLANK,
                            "now": now}
    args.update(changes)
    return parsed(build_reminder(CTX, **args))


def test_day_text_is_swedish() -> None:
    assert day_text(date(2026, 12, 30)) == "onsdag 30 december"
    assert day_text(date(2029, 3, 29)) == "torsdag 29 mars"
    assert moment_text(datetime(2026, 10, 29, 13, 3, tzinfo=UTC)) == "torsdag 29 oktober kl. 14.03"
    assert moment_text(datetime(2026, 6, 1, 6, 5, tzinfo=UTC)) == "måndag 1 juni kl. 08.05"


def test_reminder_before_the_deadline() -> None:
    now = datetime(2026, 12, 23, 8, 0, tzinfo=TZ)
    msg = reminder("before_deadline", now)
    assert_generated_headers(msg, now)
    assert msg["To"] == "samordnare@orsa.se" and msg["Cc"] is None
    assert msg["Subject"] == "Påminnelse: lägesbild december 2026, Orsa – senast onsdag 30 december"
    body = text_of(msg)
    assert "Det här är en påminnelse inför lägesbilden för december 2026 från Orsa." in body
    assert "Skicka den senast onsdag 30 december." in body
    assert f"Fyll i den bifogade blanketten ({BLANK[0]}). Kommun och månad är redan ifyllda." in body
    assert f"Svara på det här mejlet med blanketten som bilaga, eller skicka den till {MAILBOX}." in body
    assert "Påminnelsen skickas automatiskt" in body
    assert "idag" not in body.lower() and "saknar" not in body and "kopia" not in body
    assert personal_data_in(body) == []


def test_reminder_on_the_deadline_day() -> None:
    now = datetime(2026, 12, 30, 8, 0, tzinfo=TZ)
    msg = reminder("deadline_day", now)
    assert msg["Subject"] == "Sista dagen idag: lägesbild december 2026, Orsa"
    body = text_of(msg)
    assert ("Idag, onsdag 30 december, är sista dagen att skicka lägesbilden för december 2026 från Orsa. "
            "Vi har inte fått den ännu.") in body
    assert "påminnelse inför" not in body


def test_reminder_after_the_deadline_copies_staff_and_says_so() -> None:
    now = datetime(2027, 1, 5, 8, 0, tzinfo=TZ)
    msg = reminder("after_deadline", now, cc=STAFF)
    assert msg["Subject"] == "Vi saknar lägesbilden för december 2026, Orsa"
    assert msg["Cc"] == STAFF[0]
    assert envelope(msg) == (MAILBOX, ["samordnare@orsa.se", STAFF[0]])
    body = text_of(msg)
    assert "Vi saknar lägesbilden för december 2026 från Orsa. Sista dagen var onsdag 30 december." in body
    assert "Länsstyrelsens handläggare för lägesbilden får en kopia av det här meddelandet." in body
    assert "Skicka ändå blanketten" in body


def test_reminder_attaches_the_prefilled_form() -> None:
    msg = reminder("before_deadline", datetime(2026, 12, 23, 8, tzinfo=TZ))
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "Lägesbild sociala risker - Orsa - 2026-12.docx"
    assert attachment.get_content_type() == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert attachment.get_content() == BLANK[1]


def test_reminder_wording_for_a_configured_stage_follows_the_date() -> None:
    assert reminder_tone("last_call", DEADLINE, datetime(2026, 12, 29, 13, tzinfo=TZ)) == "before"
    assert reminder_tone("last_call", DEADLINE, datetime(2026, 12, 30, 7, tzinfo=UTC)) == "today"
    assert reminder_tone("final", DEADLINE, datetime(2027, 1, 18, 9, tzinfo=TZ)) == "after"
    # 23:30 UTC on the 29th is already the deadline day in Stockholm.
    assert reminder_tone("x", DEADLINE, datetime(2026, 12, 29, 23, 30, tzinfo=UTC)) == "today"
    msg = reminder("final", datetime(2027, 1, 18, 9, tzinfo=TZ), cc=STAFF)
    assert msg["Subject"] == "Vi saknar lägesbilden för december 2026, Orsa"


def test_reminder_to_several_contacts_and_a_municipality_name_cannot_add_headers() -> None:
    msg = reminder("before_deadline", datetime(2026, 12, 23, 8, tzinfo=TZ),
                   to=["a@orsa.se", "b@orsa.se"], municipality="Orsa\r\nBcc: spion@example.com")
    assert envelope(msg)[1] == ["a@orsa.se", "b@orsa.se"]
    assert msg["Bcc"] is None
    assert "\n" not in str(msg["Subject"])


def test_reminder_needs_an_aware_now_and_a_recipient() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_reminder(CTX, to=["a@orsa.se"], municipality="Orsa", period=DECEMBER, stage="deadline_day",
                       deadline=DEADLINE, blank_form=BLANK, now=datetime(2026, 12, 30, 8))
    with pytest.raises(ValueError, match="recipient"):
        build_reminder(CTX, to=[], municipality="Orsa", period=DECEMBER, stage="deadline_day",
                       deadline=DEADLINE, blank_form=BLANK, now=datetime(2026, 12, 30, 8, tzinfo=TZ))


# --------------------------------------------------------------------------
# Signals
# --------------------------------------------------------------------------

NOW = datetime(2026, 10, 29, 14, 10, tzinfo=TZ)


def signal(**changes: Any) -> EmailMessage:
    args: dict[str, Any] = {
        "to": ["andt@lansstyrelsen.se"], "rule_name": "ANDT", "municipality": "Ludvika",
        "period": Period(2026, 10), "question_label": "Fråga 5 Alkohol, narkotika, doping och tobak",
        "level_name": "4 – Allvarligt", "excerpt": "Signaler om narkotikahandel vid en pizzeria i centrum.",
        "reason": "Fråga 5 har påverkan 4 (regeln gäller från påverkan 4).",
        "received_at": datetime(2026, 10, 29, 13, 3, tzinfo=UTC), "reply_to": STAFF, "now": NOW,
    }
    args.update(changes)
    return parsed(build_signal_notice(CTX, **args))


def test_signal_notice_says_what_where_and_when() -> None:
    msg = signal()
    assert_generated_headers(msg, NOW)
    assert msg["To"] == "andt@lansstyrelsen.se"
    assert msg["Reply-To"] == STAFF[0]
    assert msg["Subject"] == "Signal från lägesbilden: ANDT – Ludvika, oktober 2026"
    body = text_of(msg)
    assert ("Lägesbilden för oktober 2026 från Ludvika innehåller något som rör ert område enligt regeln "
            "”ANDT”.") in body
    for line in ("Kommun: Ludvika", "Månad: oktober 2026", "Inkom: torsdag 29 oktober kl. 14.03",
                 "Gäller: Fråga 5 Alkohol, narkotika, doping och tobak", "Påverkan: 4 – Allvarligt",
                 "Varför ni får detta: Fråga 5 har påverkan 4 (regeln gäller från påverkan 4).",
                 "«Signaler om narkotikahandel vid en pizzeria i centrum.»"):
        assert line in body.splitlines(), line
    assert "som du når genom att svara på det här mejlet" in body
    assert list(msg.iter_attachments()) == []


def test_signal_excerpt_is_limited_and_masks_personal_data() -> None:
    secret = "Anmälan gäller 811218-9876, anhörig nås på 070-123 45 67 eller anhorig@exempel.se. "
    long = secret + "Narkotikahandel i trapphuset. " * 40
    body = text_of(signal(excerpt=long))
    quoted = next(line for line in body.splitlines() if line.startswith("«"))[1:-1]
    assert len(quoted) <= SIGNAL_EXCERPT_CHARS and quoted.endswith("…")
    assert quoted.startswith("Anmälan gäller XXXXXX-XXXX, anhörig nås på XXX-XXX XX XX eller XXX@XXX.")
    for leaked in ("811218-9876", "070-123 45 67", "anhorig@exempel.se"):
        assert leaked not in body
    assert personal_data_in(body) == []
    assert len(safe_excerpt("x " * 1000)) <= SIGNAL_EXCERPT_CHARS


def test_signal_text_from_outside_is_data_not_template_code_and_cannot_add_headers() -> None:
    evil = "{{ 7*7 }} {% if true %}ja{% endif %} <script>alert(1)</script>\x07\x1b[31m"
    msg = signal(excerpt=evil, rule_name="ANDT\r\nBcc: spion@example.com", level_name=None, reason="")
    body = text_of(msg)
    assert "«{{ 7*7 }} {% if true %}ja{% endif %} <script>alert(1)</script> [31m»" in body
    assert "49" not in body and "\x07" not in body and "\x1b" not in body
    assert msg["Bcc"] is None and "\n" not in str(msg["Subject"])
    assert "Påverkan: ingen angiven" in body and "Varför ni får detta" not in body


def test_signal_without_comment_or_arrival_time() -> None:
    body = text_of(signal(excerpt="", received_at=None, reply_to=[]))
    assert "(ingen kommentar)" in body and "Inkom:" not in body
    assert "som du når genom att svara" not in body


# --------------------------------------------------------------------------
# Compilation
# --------------------------------------------------------------------------


def workbook_bytes() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "Kommun"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


SUMMARY = CompilationSummary(
    deadline=date(2026, 10, 30), expected=15, reported=13, on_time=11,
    arrivals=(
        Arrival("Mora", 2, datetime(2026, 11, 2, 9, 0, tzinfo=UTC), late=True, flags=("personal_data", "held")),
        Arrival("Ludvika", 1, datetime(2026, 10, 29, 13, 3, tzinfo=UTC)),
        Arrival("Orsa", 1, datetime(2026, 11, 2, 10, 0, tzinfo=UTC), flags=("late", "period_inferred")),
    ),
    missing=("Vansbro", "Älvdalen"), held=("Mora",), quarantined=2,
)


def compilation(summary: CompilationSummary = SUMMARY, workbook: tuple[str, bytes] | None = None,
                now: datetime = datetime(2026, 11, 3, 9, 0, tzinfo=TZ)) -> EmailMessage:
    return parsed(build_compilation(CTX, to=STAFF, period=Period(2026, 10), summary=summary, workbook=workbook,
                                    now=now))


def test_compilation_lists_arrivals_missing_and_what_to_review() -> None:
    now = datetime(2026, 11, 3, 9, 0, tzinfo=TZ)
    book = ("Lägesbild Dalarnas län 2026.xlsx", workbook_bytes())
    msg = compilation(workbook=book, now=now)
    assert_generated_headers(msg, now)
    assert msg["Subject"] == "Sammanställning: lägesbild oktober 2026"
    assert msg["To"] == STAFF[0]
    body = text_of(msg)
    assert "Här är sammanställningen av lägesbilden för oktober 2026. Sista dagen var fredag 30 oktober." in body
    assert "13 av 15 kommuner har lämnat lägesbilden, 11 av dem i tid." in body
    lines = body.splitlines()
    start = lines.index("Nytt sedan förra sammanställningen:")
    assert lines[start + 1:start + 4] == [
        "- Ludvika, version 1, inkom torsdag 29 oktober kl. 14.03",
        "- Mora, version 2 (rättelse), inkom måndag 2 november kl. 10.00 – sen; kan innehålla "
        "personuppgifter; hålls inne för granskning",
        "- Orsa, version 1, inkom måndag 2 november kl. 11.00 – sen; månaden antagen från e-postmeddelandet",
    ]
    assert "Saknas (sista dagen har passerat): Vansbro, Älvdalen" in lines
    assert "Har inte lämnat ännu" not in body
    assert any(line.startswith("- Hålls inne för granskning, kan innehålla personuppgifter: Mora.") for line in lines)
    assert "- 2 meddelanden väntar i karantän (lagesbild quarantine)." in lines
    assert "Länets arbetsbok för 2026 är bifogad (Lägesbild Dalarnas län 2026.xlsx)." in lines
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == book[0]
    assert attachment.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    reopened = openpyxl.load_workbook(io.BytesIO(attachment.get_content()))
    assert reopened.active is not None and reopened.active["A1"].value == "Kommun"
    assert personal_data_in(body) == []


def test_compilation_on_the_deadline_day_with_nothing_new_and_no_workbook() -> None:
    summary = CompilationSummary(deadline=date(2026, 10, 30), expected=15, reported=9, on_time=9,
                                 pending=("Orsa", "Mora"))
    msg = compilation(summary, now=datetime(2026, 10, 30, 8, 0, tzinfo=TZ))
    body = text_of(msg)
    assert "Idag, fredag 30 oktober, är sista dagen." in body
    assert "Inget nytt sedan förra sammanställningen." in body
    assert "Har inte lämnat ännu: Orsa, Mora" in body
    assert "Saknas" not in body and "Att granska" not in body
    assert "Arbetsboken är inte bifogad den här gången." in body
    assert list(msg.iter_attachments()) == []


def test_compilation_before_the_deadline_and_one_quarantined_message() -> None:
    summary = CompilationSummary(deadline=date(2026, 10, 30), expected=15, reported=3, on_time=3, quarantined=1)
    body = text_of(compilation(summary, now=datetime(2026, 10, 12, 12, tzinfo=TZ)))
    assert "Sista dagen är fredag 30 oktober." in body
    assert "- 1 meddelande väntar i karantän (lagesbild quarantine)." in body
