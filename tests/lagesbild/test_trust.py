"""Trust verdicts (issue 14, item 3) on Dovecot, aiosmtpd and PostgreSQL, and what doctor says."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.builders import mail as mails
from tests.support.dovecot import DovecotServer
from tests.support.world import at, body_of, world_on

MX = "mx1.lansstyrelsen-dalarna.example"
STAFF = "lagesbild-handlaggare@lansstyrelsen-dalarna.example"


def form_mail(n: int, *results: str) -> bytes:
    eml = mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "Hej!",
                           [("Ludvika.docx", mails.form_docx("Ludvika"), mails.DOCX_TYPE)], message_id=f"<tr-{n}@x>")
    return mails.add_headers(eml, [("Authentication-Results", r) for r in results])


def test_a_dmarc_failure_from_the_trusted_server_is_quarantined_and_a_forged_pass_ignored(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch, security={"trusted_authserv_ids": [MX]}) as w:
        # Message order: the server's own header on top, the sender's forgery (with the same id) below.
        w.deliver(form_mail(1, f"{MX}; dmarc=fail (p=quarantine) header.from=ludvika.se; spf=softfail",
                            f"{MX}; dmarc=pass header.from=ludvika.se"), at("2026-10-29T09:00"))
        w.deliver(form_mail(2, f"{MX}; dmarc=pass header.from=ludvika.se; dkim=pass header.d=ludvika.se"),
                  at("2026-10-29T09:05"))
        code, out = w.poll("2026-10-29T10:00")
        assert (code, out["outcomes"]) == (0, {"quarantined": 1, "stored": 1})
        sent = w.sent()
        assert sorted(to[0] for to, _ in sent) == [STAFF, "samordnare@ludvika.se"]  # the forger learns nothing
        notice = next(m for to, m in sent if to == [STAFF])
        assert "dmarc=fail" in body_of(notice) and MX in body_of(notice)


def test_doctor_warns_when_no_verdict_is_trusted_and_fails_when_one_is_required(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        code, out, _ = w.cli("doctor", "--only", "county")
        line = next(ln for ln in out.splitlines() if "security" in ln)
        assert code == 0 and "no server's verdict on senders is believed" in line and "trusted_authserv_ids" in line
        w.configure(security={"require_authentication": True})
        code, out, _ = w.cli("doctor", "--only", "county")
        assert code == 1 and "every report would be quarantined" in out
        w.configure(security={"require_authentication": True, "trusted_authserv_ids": [MX]})
        code, out, _ = w.cli("doctor", "--only", "county")
        line = next(ln for ln in out.splitlines() if "security" in ln)
        assert code == 0 and MX in line
