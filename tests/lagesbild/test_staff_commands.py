"""Operator commands are strict (issue 14, item 11), on Dovecot, PostgreSQL and aiosmtpd."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ground.refs import MessageRef
from store import repo
from store.db import transaction
from store.outcome import Outcome
from tests.builders import mail as mails
from tests.support.dovecot import DovecotServer
from tests.support.world import at, world_on


@pytest.mark.parametrize(("given", "ok"), [
    ("Avesta", "Avesta"), ("avesta", "Avesta"), ("AVESTA", "Avesta"), ("malung-salen", "Malung-Sälen"),
    ("Avesta'; DROP TABLE raw_message;--", None), ("\u0410vesta", None), ("Avest", None), ("Avesta kommun", None),
])
def test_import_takes_only_an_exact_municipality_name_and_suggests_near_ones(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str,
        ok: str | None) -> None:
    form = tmp_path / "form.docx"
    form.write_bytes(mails.form_docx("Avesta" if ok is None else ok))
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        code, out, err = w.cli("import", str(form), "--municipality", given, "--period", "2026-10",
                               "--now", "2026-10-20T10:00")
        if ok is None:
            assert code == 2 and "is not a municipality of Dalarnas län" in err and "did you mean 'Avesta'" in err
            assert w.export("2026-10") == []
        else:
            assert code == 0, err
            assert [e["municipality"] for e in w.export("2026-10")] == [ok]


def test_release_says_what_it_will_do_refuses_a_contradiction_and_never_files_over_a_newer_report(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        w.deliver(mails.build_mail("privat@example.org", "Lägesbild Rättvik", "Hej",
                                   [("r.docx", mails.form_docx("Rättvik"), mails.DOCX_TYPE)]), at("2026-10-27T09:00"))
        w.poll("2026-10-27T10:00")
        [item] = json.loads(w.cli("quarantine", "list", "--json")[1])
        code, out, err = w.cli("quarantine", "release", str(item["id"]), "--municipality", "Orsa")
        assert code == 1 and "the form is for Rättvik, not Orsa" in err and "--force" in err
        code, out, err = w.cli("quarantine", "release", str(item["id"]), "--municipality", "Rättvik", "--dry-run")
        assert code == 0
        assert out.strip() == "would: r.docx: the form says Rättvik; file under Rättvik 2026-10, version 1"
        assert w.export("2026-10") == []  # a dry run files nothing
        # Meanwhile Rättvik reports from its own address.
        w.deliver(mails.build_mail("samordnare@rattvik.se", "Lägesbild", "Hej",
                                   [("r2.docx", mails.form_docx("Rättvik", seed=3), mails.DOCX_TYPE)]),
                  at("2026-10-28T09:00"))
        w.poll("2026-10-28T10:00")
        code, out, err = w.cli("quarantine", "release", str(item["id"]), "--municipality", "Rättvik",
                               "--now", "2026-10-28T11:00")
        assert code == 1 and "a newer report" in err and "stands and is not replaced" in err
        [entry] = w.export("2026-10")
        assert (entry["version"], entry["sender"]) == (1, "samordnare@rattvik.se")


def test_release_drop_and_review_release_stay_in_the_configured_county_and_share_exit_codes(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        w.cli("status", "--period", "2026-10")  # creates the schema
        engine = w.engine()
        with transaction(engine) as s:  # a message of Värmland's worker, in the same database
            row = repo.insert_raw(s, MessageRef("imap://varmland", 1, "7"), message_id="<v@x>", sha256="v",
                                  sender="x@sunne.se", subject="L", received_at=at("2026-10-27T09:00"), raw=b"x",
                                  county="17")
            repo.set_outcome(s, row.id, Outcome.QUARANTINED, "okänd avsändare")
        engine.dispose()
        for args in (["quarantine", "drop", str(row.id)],
                     ["quarantine", "release", str(row.id), "--municipality", "Avesta"]):
            code, _, err = w.cli(*args)
            assert code == 1 and "belongs to county 17" in err, err
        for args in (["review", "release", "999"], ["quarantine", "drop", "999"],
                     ["quarantine", "release", "999", "--municipality", "Avesta"]):
            code, _, err = w.cli(*args)
            assert code == 1, (args, err)
