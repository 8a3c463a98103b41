"""A joint mail decided form by form (issue 14, item 1), on Dovecot, aiosmtpd and PostgreSQL.

The sender's own form is stored; a neighbour's form is stored when
`submits_for` allows it, else held in quarantine with staff told; two months
from one municipality are both stored; one receipt lists every part; the
message lands in the folder its outcome gives.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.builders import mail as mails
from tests.support.dovecot import DovecotServer
from tests.support.world import at, body_of, world_on

STAFF = "lagesbild-handlaggare@lansstyrelsen-dalarna.example"


def joint_mail(sender: str, forms: list[tuple[str, str]], n: int) -> bytes:
    files = [(f"{municipality} {period}.docx", mails.form_docx(municipality, int(period[:4]), int(period[5:])),
              mails.DOCX_TYPE) for municipality, period in forms]
    return mails.build_mail(sender, "Lägesbilder", "Hej, här kommer våra lägesbilder.", files,
                            message_id=f"<joint-{n}@example>")


def test_the_senders_own_form_is_stored_and_a_neighbours_held_with_staff_told(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        w.deliver(joint_mail("samordnare@ludvika.se", [("Ludvika", "2026-10"), ("Smedjebacken", "2026-10")], 1),
                  at("2026-10-29T09:00"))
        code, out = w.poll("2026-10-29T10:00")
        assert code == 0 and out["outcomes"] == {"quarantined": 1}
        assert [e["municipality"] for e in w.export("2026-10")] == ["Ludvika"]
        sent = {str(msg["Subject"]): (to, msg) for to, msg in w.sent()}
        [receipt_subject] = [s for s in sent if s.startswith("Kvittens")]
        to, receipt = sent[receipt_subject]
        assert to == ["samordnare@ludvika.se"]
        text = body_of(receipt)
        assert "Registrerad." in text
        assert "Hålls i karantän: avsändaren hör till Ludvika men formuläret gäller Smedjebacken" in text
        staff = [msg for to, msg in w.sent() if STAFF in to]
        assert staff and "Smedjebacken" in body_of(staff[0])


def test_a_neighbour_the_sender_may_report_for_is_stored_and_two_months_too(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        towns = [{"name": "Mora", "domains": ["mora.se"], "submits_for": ["Orsa", "Älvdalen"]},
                 {"name": "Orsa", "domains": ["orsa.se"]}, {"name": "Älvdalen", "domains": ["alvdalen.se"]}]
        w.configure(municipalities=towns, groups=[])
        w.deliver(joint_mail("samordnare@mora.se", [("Mora", "2026-10"), ("Orsa", "2026-10"), ("Mora", "2026-09")],
                             2), at("2026-10-29T09:00"))
        code, out = w.poll("2026-10-29T10:00")
        assert code == 0 and out["outcomes"] == {"stored": 1}
        assert sorted(e["municipality"] for e in w.export("2026-10")) == ["Mora", "Orsa"]
        assert [e["municipality"] for e in w.export("2026-09")] == ["Mora"]
        [(to, receipt)] = w.sent()
        assert to == ["samordnare@mora.se"]
        assert body_of(receipt).count("Registrerad.") == 3
