"""Text that can never break an output (issue 14, item 6).

A comment holding U+FFFE, a right-to-left override or a control character
arrives through a text attachment and through a form pasted in the body, on
Dovecot with PostgreSQL and aiosmtpd: it is stored under the text rule and
flagged, and the workbook (`compile`), the digest and the mail are clean.
Every writer is also safe on its own, and `compile` reads its output back
before it reports success.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from outputs.digest import build_digest
from outputs.replies import ReplyContext, build_receipt
from outputs.safe_text import masked_ids, screen_text
from outputs.verify import UnreadableOutput, verify_xlsx
from outputs.workbook import build_county_workbook
from parsers.form import default_form
from parsers.result import Answer, Period
from tests.builders import mail as mails
from tests.builders.picture import make_picture
from tests.support.dovecot import DovecotServer
from tests.support.world import at, world_on

BAD = "Inbrott\ufffe i förråd \u202eexe.txt\u202c och\x07 skadegörelse\ufdd0."
SHOWN = "Inbrott\ufffd i förråd exe.txt och\ufffd skadegörelse\ufffd."
NASTY = ("\ufffe", "\u202e", "\x07", "\ufdd0")


def _text_form(municipality: str, comment: str) -> str:
    answers = dict(mails.form_answers(municipality))
    answers[1] = Answer(3, comment)
    return mails.form_text(municipality, 2026, 10, answers)


def test_the_rule() -> None:
    assert screen_text(BAD) == (SHOWN, ("styrtecken", "riktningstecken"))
    assert screen_text("Rad ett\r\nRad två\ttab – ”citat” 😀") == ("Rad ett\nRad två\ttab – ”citat” 😀", ())
    # The Unicode line and paragraph separators are line ends (a mail program, JavaScript), kept as such.
    assert screen_text("Rad ett\u2028Rad två\u2029Tre") == ("Rad ett\nRad två\nTre", ())


def test_an_identity_number_in_a_file_name_or_subject_is_masked() -> None:
    assert masked_ids("Lägesbild 19121212-1212 okt.docx") == "Lägesbild 19XXXXXX-XXXX okt.docx"
    assert masked_ids("Rapport １９１２１２１２－１２１２\u202e.pdf") == "Rapport １９XXXXXX－XXXX.pdf"
    assert masked_ids("Lägesbild_20261031_1200.docx") == "Lägesbild_20261031_1200.docx"  # a date is no number


def test_nasty_comments_are_stored_flagged_and_never_reach_an_output(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    attached = mails.build_mail("samordnare@falun.se", "Lägesbild oktober", "Hej!",
                                [("lagesbild.txt", _text_form("Falun", BAD).encode("utf-8"), "text/plain")])
    pasted = mails.build_mail("samordnare@mora.se", "Lägesbild oktober", "Hej! Svaren:\n\n" + _text_form("Mora", BAD))
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        w.deliver(attached, at("2026-10-29T09:00"))
        w.deliver(pasted, at("2026-10-29T09:01"))
        code, out = w.poll("2026-10-29T10:00")
        assert out["outcomes"] == {"stored": 2}, out
        entries = {e["municipality"]: e for e in w.export("2026-10")}
        for entry in entries.values():
            comment = entry["answers"]["1"]["comment"]
            assert not any(ch in comment for ch in NASTY) and "\ufffd" in comment
            assert "text_replaced" in entry["flags"]
            assert any(i["field"] == "q1.comment" and "styrtecken" in i["message"] for i in entry["issues"])
        for _, msg in w.sent():
            raw = msg.as_string()
            assert not any(ch in raw for ch in NASTY)
        book = tmp_path / "lagesbild-2026.xlsx"
        code, _, err = w.cli("compile", "--year", "2026", "--out", str(book), "--now", "2026-10-31T10:00")
        assert code == 0, err
        verify_xlsx(book.read_bytes())
        wb = openpyxl.load_workbook(book)
        texts = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]
        assert not any(ch in t for t in texts for ch in NASTY)
        digest = tmp_path / "digest.html"
        code, _, err = w.cli("digest", "--period", "2026-10", "--out", str(digest), "--now", "2026-11-05T10:00")
        assert code == 0, err
        assert not any(ch in digest.read_text(encoding="utf-8") for ch in NASTY)


def _picture_with(comment: str):  # type: ignore[no-untyped-def]
    picture = make_picture(through_month=10)
    key = next(iter(picture.reports))
    report = picture.reports[key]
    answers = {**report.answers, 1: Answer(4, comment)}
    return dataclasses.replace(picture, reports={**picture.reports, key: dataclasses.replace(report, answers=answers)})


def test_every_writer_is_safe_on_its_own() -> None:
    picture = _picture_with(BAD)
    data = build_county_workbook(picture)
    verify_xlsx(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert not any(ch.encode() in z.read(n) for n in z.namelist() for ch in NASTY)
    digest = build_digest(picture, Period(2026, 10))
    assert not any(ch in digest.html + digest.text for ch in NASTY)
    ctx = ReplyContext("Dalarnas län", "Länsstyrelsen", "lagesbild@lansstyrelsen.example", default_form())
    receipt = build_receipt(ctx, to="samordnare@falun.se", original_message_id="<x@falun.se>", original_references=(),
                            original_subject=f"Lägesbild {BAD}", municipality="Falun", period=Period(2026, 10),
                            version=1, answers={1: Answer(2, BAD)}, issues=(), period_inferred=False, late=False,
                            held_for_review=False, filename=f"fil{BAD}.docx", now=datetime(2026, 10, 29, tzinfo=UTC))
    raw = receipt.as_string()
    assert not any(ch in raw for ch in NASTY)


def test_compile_reads_its_workbook_back_and_fails_rather_than_report_a_broken_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flow import jobs
    from lagesbild.cli import main

    good = build_county_workbook(make_picture(through_month=2))
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                bad = '<row r="999"><c t="inlineStr"><is><t>\ufffe</t></is></c></row></sheetData>'
                body = body.replace(b"</sheetData>", bad.encode())
            dst.writestr(item, body)
    monkeypatch.setattr(jobs, "build_county_workbook", lambda _picture: broken.getvalue())
    with pytest.raises(UnreadableOutput):
        verify_xlsx(broken.getvalue())
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "lb.db"}"\n', encoding="utf-8")
    out = tmp_path / "x.xlsx"
    assert main(["compile", "--year", "2026", "--out", str(out), "--config", str(config)]) == 1
    assert not out.exists()
