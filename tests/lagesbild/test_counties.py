"""Several counties served from one database, each with its own mailbox, recipients and outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lagesbild.cli import main
from lagesbild.samples import sample_answers, template_docx
from parsers.form import default_form
from parsers.result import Period
from tests.builders import mail as mails

FORM = default_form()
OCT = Period(2026, 10)

VARMLAND = """
signals = []
[county]
name = "Värmlands län"
code = "17"
mailbox_address = "lagesbild@lansstyrelsen-varmland.example"
staff = ["handlaggare@lansstyrelsen-varmland.example"]
leadership = ["ledning@lansstyrelsen-varmland.example"]
[[municipalities]]
name = "Sunne"
domains = ["sunne.se"]
submits_for = ["Torsby", "Hagfors", "Munkfors"]
[[municipalities]]
name = "Torsby"
domains = ["torsby.se"]
[[municipalities]]
name = "Hagfors"
domains = ["hagfors.se"]
[[municipalities]]
name = "Munkfors"
domains = ["munkfors.se"]
[[groups]]
name = "SuToHaMu"
members = ["Sunne", "Torsby", "Hagfors", "Munkfors"]
"""


def _county(root: Path, name: str, extra: str) -> Path:
    folder = root / name
    for sub in ("new", "cur", "tmp"):
        (folder / "Maildir" / sub).mkdir(parents=True)
    config = folder / "config.toml"
    config.write_text(extra + f"""
[mailbox]
source = "maildir:Maildir"
[store]
url = "sqlite:///{root / 'shared.db'}"
[outbox]
transport = "file:outbox"
""", encoding="utf-8")
    return config


def _deliver(config: Path, raw: bytes, name: str) -> None:
    maildir = config.parent / "Maildir"
    (maildir / "tmp" / name).write_bytes(raw)
    (maildir / "tmp" / name).rename(maildir / "new" / name)


def _form(municipality: str) -> bytes:
    return template_docx(FORM, municipality, OCT, sample_answers(FORM, municipality, OCT))


def test_two_counties_share_a_database_and_stay_apart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dalarna = _county(tmp_path, "dalarna", "signals = []\n")
    varmland = _county(tmp_path, "varmland", VARMLAND)
    _deliver(dalarna, mails.build_mail("samordnare@mora.se", "Lägesbild", "Hej",
                                       [("Mora.docx", _form("Mora"), mails.DOCX_TYPE)]), "1.M1P1.mx")
    # A joint report from the four cooperating municipalities, sent by Sunne.
    _deliver(varmland, mails.build_mail("samordnare@sunne.se", "Lägesbild SuToHaMu", "Hej",
                                        [(f"{m}.docx", _form(m), mails.DOCX_TYPE) for m in ("Sunne", "Torsby")]),
             "2.M2P1.mx")
    # A Dalarna sender writing to Värmland's mailbox is nobody Värmland knows.
    _deliver(varmland, mails.build_mail("samordnare@orsa.se", "Lägesbild", "Hej",
                                        [("Orsa.docx", _form("Orsa"), mails.DOCX_TYPE)]), "3.M3P1.mx")
    for config in (dalarna, varmland):
        assert main(["poll", "--once", "--config", str(config), "--now", "2026-10-29T10:00"]) == 0
    capsys.readouterr()
    assert main(["export", "--period", "2026-10", "--json", "--config", str(dalarna)]) == 0
    assert [e["municipality"] for e in json.loads(capsys.readouterr().out)] == ["Mora"]
    assert main(["export", "--period", "2026-10", "--json", "--config", str(varmland)]) == 0
    assert [e["municipality"] for e in json.loads(capsys.readouterr().out)] == ["Sunne", "Torsby"]
    assert main(["status", "--period", "2026-10", "--json", "--config", str(varmland), "--now",
                 "2026-11-02T10:00"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert [m["name"] for m in status["municipalities"]] == ["Sunne", "Torsby", "Hagfors", "Munkfors"]
    assert status["missing"] == ["Hagfors", "Munkfors"]
    assert status["quarantined"] == 1
    assert main(["status", "--period", "2026-10", "--json", "--config", str(dalarna), "--now",
                 "2026-11-02T10:00"]) == 0
    assert json.loads(capsys.readouterr().out)["quarantined"] == 0
    receipts = sorted(p.name for p in (varmland.parent / "outbox").glob("*.eml"))
    assert len(receipts) == 2  # one receipt for both forms and the quarantine notice, from Värmland's own mailbox
    assert all(b"lansstyrelsen-varmland.example" in (varmland.parent / "outbox" / r).read_bytes()
               for r in receipts)
