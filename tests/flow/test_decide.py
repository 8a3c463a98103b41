"""`flow.decide` on its own: one message and its parsed forms in, the decision out.

The cases and their expected decisions are in `golden/decide.json`, readable
as a table of "this mail → this outcome". Set UPDATE_GOLDEN=1 to
write the file anew from what the code decides now, then read the diff.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from flow.decide import Decision, ParsedFile, decide
from flow.settings import Config
from ingest.authresults import Verdict
from ingest.message import read_message
from lagesbild.config import load_config
from parsers.result import Answer, Format, Issue, ParseResult, Period, Severity
from tests.builders import mail as mails

GOLDEN = Path(__file__).parent / "golden" / "decide.json"
RECEIVED = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)
OCT = Period(2026, 10)
SEP = Period(2026, 9)
ANSWERS = {n: Answer(2, f"kommentar {n}") for n in range(1, 7)} | {7: Answer(None, "åtgärder")}


def form(municipality: str | None, period: Period | None, name: str = "lagesbild.docx") -> ParsedFile:
    return ParsedFile(name, ParseResult(Format.DOCX, municipality, period, dict(ANSWERS)))


def unreadable(name: str) -> ParsedFile:
    issue = Issue("file", Severity.ERROR, "filen kunde inte läsas")
    return ParsedFile(name, ParseResult(Format.DOCX, None, None, {}, (issue,)))


def with_submits_for(config: Config, name: str, others: tuple[str, ...]) -> Config:
    towns = tuple(replace(m, submits_for=others) if m.name == name else m for m in config.municipalities)
    return replace(config, municipalities=towns)


def cases(config: Config) -> dict[str, tuple[bytes, list[ParsedFile], Config, Verdict | None]]:
    """Each case: the mail, its parsed forms, the configuration and the trusted verdict."""
    plain = mails.build_mail("samordnare@vansbro.se", "Lägesbild oktober", "Hej, här kommer oktober.")
    joint = mails.build_mail("samordnare@vansbro.se", "Lägesbild oktober", "Vår och grannens.")
    return {
        "own form stored": (plain, [form("Vansbro", OCT)], config, None),
        "form without a municipality is the sender's": (plain, [form(None, OCT)], config, None),
        "joint mail, neighbour not allowed: own stored, neighbour held":
            (joint, [form("Vansbro", OCT), form("Malung-Sälen", OCT, "grannen.docx")], config, None),
        "joint mail, neighbour allowed by submits_for: both stored":
            (joint, [form("Vansbro", OCT), form("Malung-Sälen", OCT, "grannen.docx")],
             with_submits_for(config, "Vansbro", ("Malung-Sälen",)), None),
        "two months from one municipality: both stored":
            (plain, [form("Vansbro", OCT), form("Vansbro", SEP, "september.docx")], config, None),
        "the same form twice (docx and pdf): one submission":
            (plain, [form("Vansbro", OCT), form("Vansbro", OCT, "lagesbild.pdf")], config, None),
        "two different forms for one month: the first stored, the other held for staff":
            (plain, [form("Vansbro", OCT), ParsedFile("rättad.docx", ParseResult(
                Format.DOCX, "Vansbro", OCT, ANSWERS | {1: Answer(4, "Bränder i centrum.")}))], config, None),
        "a form of a municipality outside the county: held":
            (plain, [form("Vansbro", OCT), form("Uppsala", OCT, "uppsala.docx")], config, None),
        "unknown sender: quarantined":
            (mails.build_mail("someone@example.org", "Lägesbild", "Hej"), [form("Vansbro", OCT)], config, None),
        "lookalike domain: quarantined":
            (mails.build_mail("samordnare@vansbro-se.com", "Lägesbild", "Hej"), [form("Vansbro", OCT)], config, None),
        "DMARC failed by the believed server: quarantined":
            (plain, [form("Vansbro", OCT)], config, Verdict("fail", "exchange", "dmarc=fail header.from=vansbro.se")),
        "authentication required and no verdict: quarantined":
            (plain, [form("Vansbro", OCT)],
             replace(config, security=replace(config.security, require_authentication=True)), None),
        "out-of-office reply: ignored":
            (mails.build_mail("samordnare@vansbro.se", "Frånvaro: Lägesbild", "Jag är ledig.",
                              headers={"Auto-Submitted": "auto-replied"}), [], config, None),
        "no form at all: rejected with a Swedish reason": (plain, [], config, None),
        "only an unreadable file: rejected naming the file": (plain, [unreadable("trasig.docx")], config, None),
        "readable form and an unreadable one: stored, the other skipped":
            (plain, [form("Vansbro", OCT), unreadable("bild.docx")], config, None),
    }


def summary(d: Decision) -> dict[str, Any]:
    """The decision as plain, readable values."""
    return {
        "outcome": d.outcome.value,
        "reason": d.reason,
        "filed": [f"{p.municipality} {p.period_choice.period} ({p.parsed.filename})" for p in d.submissions],
        "held": [f"{h.municipality} {h.period} ({h.filename}): {h.reason}" for h in d.held],
        "problems": list(d.problems),
        "skipped": list(d.skipped),
    }


def decided() -> dict[str, dict[str, Any]]:
    config = load_config(None)
    out = {}
    for name, (raw, parsed, cfg, verdict) in cases(config).items():
        out[name] = summary(decide(read_message(raw), parsed, cfg, RECEIVED, verdict))
    return out


def test_decisions_match_the_golden_file() -> None:
    actual = decided()
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(actual) == sorted(expected), "a case was added or removed: update the golden file"
    for name in expected:
        assert actual[name] == expected[name], name


@pytest.mark.parametrize("order", [0, 1])
def test_a_joint_mail_is_decided_form_by_form_whatever_the_order(order: int) -> None:
    config = load_config(None)
    raw = mails.build_mail("samordnare@vansbro.se", "Lägesbild oktober", "Hej")
    parts = [form("Vansbro", OCT), form("Malung-Sälen", OCT, "grannen.docx")]
    d = decide(read_message(raw), parts[order:] + parts[:order], config, RECEIVED, None)
    assert [p.municipality for p in d.submissions] == ["Vansbro"]
    assert [h.municipality for h in d.held] == ["Malung-Sälen"]
