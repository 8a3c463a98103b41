"""The confidentiality screen on real servers (issue 14, item 10): Dovecot, PostgreSQL, aiosmtpd.

Identity numbers written with spaces or in other Unicode digits hold a
report for review; `review list` shows the held comment with the number
masked; the receipt does not repeat it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lagesbild.samples import sample_answers, template_docx
from parsers.form import default_form
from parsers.result import Answer, Period
from tests.builders import mail as mails
from tests.support.dovecot import DovecotServer
from tests.support.world import at, body_of, world_on

FORM = default_form()
OCT = Period(2026, 10)


@pytest.mark.parametrize("number", ["1912 1212 1212", "19121212 1212", "１９１２１２１２－１２１２", "12 12 12-1212"])
def test_a_spaced_or_full_width_personnummer_holds_the_report_and_review_shows_it_masked(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, number: str) -> None:
    answers = dict(sample_answers(FORM, "Säter", OCT))
    answers[2] = Answer(3, f"Hot mot personal från en boende ({number}) vid flera tillfällen.")
    raw = mails.build_mail("samordnare@sater.se", "Lägesbild oktober", "Hej!",
                           [("Säter.docx", template_docx(FORM, "Säter", OCT, answers), mails.DOCX_TYPE)])
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        w.deliver(raw, at("2026-10-29T09:00"))
        w.poll("2026-10-29T10:00")
        [entry] = w.export("2026-10")
        assert "personal_data" in entry["flags"]
        [(_, receipt)] = w.sent()
        assert number not in body_of(receipt) and "1212" not in body_of(receipt)
        code, out, _ = w.cli("review", "list", "--json")
        [held] = json.loads(out)
        assert held["questions"] == [2]
        comment = held["comments"]["2"]
        assert comment.startswith("Hot mot personal från en boende (") and "vid flera tillfällen" in comment
        assert number not in comment and not any(ch.isdigit() for ch in comment.replace("19", "", 1)
                                                  .replace("１９", "", 1))
        code, text, _ = w.cli("review", "list")
        assert code == 0 and "XXXX" in text and number not in text
