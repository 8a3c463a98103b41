"""Staff notices that don't flood (issue 14, item 5), on Dovecot, PostgreSQL and aiosmtpd."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.builders import mail as mails
from tests.support.dovecot import DovecotServer
from tests.support.world import at, body_of, world_on

STAFF = "lagesbild-handlaggare@lansstyrelsen-dalarna.example"


def test_sixty_spam_mails_give_one_notice_now_and_one_gathered_notice_later(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        for i in range(60):
            w.deliver(mails.build_mail(f"erbjudande{i}@spam.example", f"Vinn en resa {i}", "Klicka här!",
                                       message_id=f"<spam-{i}@spam.example>"), at("2026-10-29T09:00"))
        code, out = w.poll("2026-10-29T10:00")
        assert out["outcomes"] == {"quarantined": 60}
        notices = [m for to, m in w.sent() if to == [STAFF]]
        assert len(notices) == 1  # the first at once
        w.poll("2026-10-29T10:30")
        assert len([m for to, m in w.sent() if to == [STAFF]]) == 1  # within the interval: nothing more
        w.deliver(mails.build_mail("annan@spam.example", "Vinn igen", "Klicka!", message_id="<spam-x@spam.example>"),
                  at("2026-10-29T10:40"))
        w.poll("2026-10-29T11:05")  # the interval has passed: everything gathered, in one notice
        notices = [m for to, m in w.sent() if to == [STAFF]]
        assert len(notices) == 2
        text = body_of(notices[1])
        assert str(notices[1]["Subject"]) == "Lägesbild: 59 meddelanden att granska"
        assert "59 × karantän: avsändaren hör inte till någon kommun i länet" in text
        assert "erbjudande59@spam.example" in text and "annan@spam.example" not in text
        w.poll("2026-10-29T11:30")
        assert len([m for to, m in w.sent() if to == [STAFF]]) == 2  # the newcomer waits for the next round
        w.poll("2026-10-29T12:10")
        notices = [m for to, m in w.sent() if to == [STAFF]]
        assert len(notices) == 3 and "annan@spam.example" in body_of(notices[2])
        assert "erbjudande" not in body_of(notices[2])  # each listed once
        w.poll("2026-10-29T15:00")
        assert len([m for to, m in w.sent() if to == [STAFF]]) == 3


def test_twenty_mails_over_the_size_cap_give_one_notice_now_and_one_gathered_notice_later(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Parked unread at once, like spam they cost the sender little (with a 1 MB cap, 2 MB each).
    with world_on(shared_dovecot, tmp_path, monkeypatch, mailbox={"max_message_mb": 1}) as w:
        for i in range(20):
            w.deliver(mails.build_mail(f"stor{i}@spam.example", f"Film {i}", "Se bilagan!",
                                       [("film.bin", b"x" * (2 * 1024 * 1024), "application/octet-stream")],
                                       message_id=f"<big-{i}@spam.example>"), at("2026-10-29T09:00"))
        code, out = w.poll("2026-10-29T10:00")
        assert out["outcomes"] == {"parked": 20}
        notices = [m for to, m in w.sent() if to == [STAFF]]
        assert len(notices) == 1 and "max_message_mb" in body_of(notices[0])
        w.poll("2026-10-29T11:05")  # the interval has passed: the other 19 in one notice
        notices = [m for to, m in w.sent() if to == [STAFF]]
        assert len(notices) == 2
        assert str(notices[1]["Subject"]) == "Lägesbild: 19 meddelanden att granska"
        text = body_of(notices[1])
        assert "19 × parkerat" in text and "större än gränsen 1 MB" in text and "ligger i mappen" in text
