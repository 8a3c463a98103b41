"""The second half of the hostile corpus (tests/builders/hostile_senders.py) through the real worker.

Each case is delivered into a real Maildir with an ordinary form from Avesta
after it, and run through `poll_once` with the production parser (the
sandbox). What must hold for every case: the outcome; the form after it is
still stored; the raw message kept byte for byte (unless it was too big to
read) and moved out of the inbox to its folder; the mail that answers it of
the expected kinds, going only to the expected recipients, free of the
strings that must not travel; and what it filed, with its flags.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest

from flow.folders import FOLDER_FOR
from flow.reports import export_period
from lagesbild.config import config_from_dict
from parsers.result import Period
from store import repo
from store.db import transaction
from store.outcome import Outcome
from tests.builders import hostile as H
from tests.builders import hostile_senders as S
from tests.hostile.box import SECONDS_PER_FILE, HostileBox, at, follower


def shown_text(msg: EmailMessage) -> str:
    """Every header as decoded and every text part's content: what a mail program shows (a
    character the transfer encoding hides in the bytes is found here)."""
    out = [f"{name}: {value}" for name, value in msg.items()]
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            out.append(str(part.get_content()))
    return "\n".join(out)


CORPUS: tuple[H.Case | S.SenderCase, ...] = (*H.CASES, *S.CASES)


@pytest.mark.parametrize("case", S.CASES, ids=[c.id for c in S.CASES])
def test_hostile_sender(case: S.SenderCase, tmp_path: Path) -> None:
    tables = {"parsing": {"seconds_per_file": SECONDS_PER_FILE}, **case.config}
    box = HostileBox(tmp_path, replace(config_from_dict(tables, Path.cwd()), signals=()))
    raw = case.build()
    uid = box.deliver(raw, at("2026-10-29T10:00"))
    normal = box.deliver(follower(), at("2026-10-29T10:01"))
    report = box.poll(at("2026-10-29T11:00"))
    messages = box.messages()
    with transaction(box.engine) as s:
        view = repo.known_refs(s, box.source_name(), 0, [uid])[uid]
    outcome, reason, stored = str(view.outcome), "", b""
    if uid in messages:
        outcome, reason, stored = messages[uid]
    assert outcome == case.outcome, f"{case.id}: {outcome} ({reason})"
    # The worker went on (an ordinary form is quarantined only where authentication is required).
    required = case.config.get("security", {}).get("require_authentication", False)
    assert messages[normal][0] == ("quarantined" if required else "stored")
    if case.outcome == "failed":
        assert report.parked == 1 and report.failures == [] and uid not in messages  # too big: never kept
    else:
        assert report.failures == [], report.failures
        assert stored == raw
    assert box.folder_of(uid) == FOLDER_FOR[Outcome(outcome)].value
    assert box.inbox() == []
    row = view.id
    answering = [(kind, msg, data) for kind, rid, msg, data in box.mail()
                 if rid == row or (rid is None and kind == "staff_notice")]
    if case.mail is not None:
        assert sorted(kind for kind, _, _ in answering) == sorted(case.mail), (case.id, answering)
    for _, msg, data in answering:
        recipients = {a.lower() for header in ("To", "Cc", "Bcc")
                      for a in re.findall(r"[^\s<>,\"]+@[^\s<>,\"]+", str(msg.get(header, "")))}
        assert recipients <= {t.lower() for t in case.to}, (case.id, recipients)
        text = data.decode("utf-8", "replace") + shown_text(msg)
        for needle in case.absent:
            assert needle not in text, (case.id, needle)
    exported = export_period(box.engine, box.config, Period(2026, 10))
    filed = [e for e in exported if e["sender"] != "samordnare@avesta.se"]
    # Nor in what the store keeps of the mail itself (the file name; a held comment is staff's to review).
    kept = json.dumps([{k: v for k, v in e.items() if k != "answers"} for e in filed], ensure_ascii=False, default=str)
    for needle in case.absent:
        assert needle not in kept, (case.id, needle)
    if case.filed is not None:
        assert sorted(str(e["municipality"]) for e in filed) == sorted(case.filed), filed
    for entry in filed:
        assert set(case.flags) <= set(entry["flags"]), (case.id, entry["flags"])
        for answer in entry["answers"].values():
            assert not any(ch in answer["comment"] for ch in ("\ufffe", "\u202e", "\x1b", "\x07"))


def test_the_corpus_has_eighty_distinct_cases_each_with_its_outcome() -> None:
    ids = [c.id for c in CORPUS]
    assert len(ids) == len(set(ids)) >= 80
    assert all(c.outcome in ("stored", "rejected", "quarantined", "ignored", "forwarded", "failed") for c in CORPUS)
