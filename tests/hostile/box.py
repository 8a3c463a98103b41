"""The harness for the hostile corpus: a real Maildir, a real SQLite store, the production parser.

`HostileBox` is the Box of tests/flow/test_pipeline.py without the
in-process shortcut: `poll_once` runs with its default parser,
`flow.sandbox.parse_isolated`, so every attachment is read in a forked
child under the configured time cap and the 1 GB address-space cap.
`run_case` delivers one hostile message and then an ordinary form from
another municipality, runs one cycle, and returns what happened, timed.

`Canary` is a tiny HTTP server in a separate process (a thread would make the
sandbox fork through a fork server instead of directly) that records every
request: an external entity that was ever resolved would show up there.
"""

from __future__ import annotations

import email
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from flow.folders import FOLDER_FOR
from flow.pipeline import PollReport, poll_once
from flow.reports import export_period
from flow.sandbox import WALL_BACKSTOP
from flow.settings import Config
from ingest.maildir import MaildirSource, folder_dirname
from ingest.settings import configured_folders
from lagesbild.config import config_from_dict
from parsers.result import Period
from store import repo
from store.db import transaction
from store.outcome import Outcome
from tests.builders import hostile as H
from tests.builders import mail as mails
from tests.support.maildir_box import MaildirBox

TZ = ZoneInfo("Europe/Stockholm")
OCT = Period(2026, 10)
#: The per-file time cap the corpus runs under (the shipped default is 20 s; 5 s keeps the run short).
SECONDS_PER_FILE = 5
#: Everything but the capped parsing: reading the mail, the ordinary form after it, the database.
MARGIN_SECONDS = 10.0
FOLLOWER_SENDER = "samordnare@avesta.se"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def corpus_config() -> Config:
    """The built-in configuration with `[parsing] seconds_per_file` set as an operator would."""
    config = config_from_dict({"parsing": {"seconds_per_file": SECONDS_PER_FILE}}, Path.cwd())
    return replace(config, signals=())


class HostileBox(MaildirBox):
    """A Maildir, a database and a configuration in a temporary folder; cycles use the production parser."""

    def poll(self, now: datetime) -> PollReport:
        """One cycle with the production parser (the sandbox)."""
        source = MaildirSource(self.maildir, configured_folders(self.config.mailbox),
                               self.config.mailbox.max_message_bytes)
        return poll_once(source, self.engine, self.config, now)

    def source_name(self) -> str:
        """The Maildir's name as stored with each message."""
        return MaildirSource(self.maildir, configured_folders(self.config.mailbox)).name

    def messages(self) -> dict[str, tuple[str, str, bytes]]:
        """uid -> (outcome, reason, raw bytes as stored)."""
        with transaction(self.engine) as s:
            return {v.uid: (str(v.outcome), v.reason or "", raw) for v, raw in repo.raw_messages(s)}

    def mail(self) -> list[tuple[str, int | None, EmailMessage, bytes]]:
        """Every queued mail: (kind, the raw message row it answers, parsed, bytes)."""
        with transaction(self.engine) as s:
            rows = repo.due_mail(s, at("2030-01-01T00:00"), 10_000)
        return [(str(r.kind), r.related_raw_message_id,
                 email.message_from_bytes(r.raw, policy=policy.default), r.raw)
                for r in rows]

    def row_id(self, uid: str) -> int:
        with transaction(self.engine) as s:
            return next(v.id for v, _ in repo.raw_messages(s) if v.uid == uid)

    def folder_of(self, uid: str) -> str | None:
        """The mailbox folder the message was moved to (None: still in the inbox or gone)."""
        for folder, name in configured_folders(self.config.mailbox).items():
            cur = self.maildir / folder_dirname(name) / "cur"
            if cur.is_dir() and any(p.name.split(":2,")[0] == uid for p in cur.iterdir()):
                return folder.value
        return None

    def inbox(self) -> list[str]:
        return sorted(p.name for p in (self.maildir / "new").iterdir()) + \
            sorted(p.name for p in (self.maildir / "cur").iterdir())


def body_text(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def follower() -> bytes:
    """An ordinary form from Avesta: what must still be stored after the hostile message."""
    return mails.build_mail(FOLLOWER_SENDER, "Lägesbild oktober", "Hej!",
                            [("Lägesbild Avesta.docx", mails.form_docx("Avesta"), mails.DOCX_TYPE)],
                            message_id="<follower@avesta.se>")


# --------------------------------------------------------------------------
# Files written under a name the sender chose
# --------------------------------------------------------------------------


def _matches(entry: str, wanted: tuple[str, ...]) -> bool:
    lower = entry.lower()
    return H.MARKER.lower() in lower or lower in wanted


def _recent(path: Path, since: float) -> bool:
    try:
        return path.lstat().st_mtime >= since - 1
    except OSError:
        return False


def _walk(root: Path, wanted: tuple[str, ...], since: float) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=lambda _e: None):
        found += [Path(dirpath) / e for e in (*dirnames, *filenames)
                  if _matches(e, wanted) and _recent(Path(dirpath) / e, since)]
    return found


def files_named_like(names: tuple[str, ...], box_root: Path, since: float) -> list[Path]:
    """Files or folders changed since `since` whose name carries the marker or is one of `names`.

    Looked for in the whole workspace, in the whole temp folder (marker only:
    other tests may legitimately write a "passwd" there meanwhile), and at the
    top of the working directory, the home folder, the root and the folders
    above the workspace (where "../../x.docx" would land).
    """
    wanted = tuple(n.lower() for n in names)
    workspace, cwd = box_root.resolve(), Path.cwd().resolve()
    found = _walk(workspace, wanted, since) + _walk(Path(tempfile.gettempdir()).resolve(), (), since)
    shallow = {cwd, cwd.parent, cwd.parent.parent, workspace.parent, workspace.parent.parent, Path.home(),
               Path("/")}
    for folder in shallow - {workspace}:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        found += [folder / e for e in entries if _matches(e, wanted) and _recent(folder / e, since)]
    return sorted(set(found))


# --------------------------------------------------------------------------
# A canary for external entities
# --------------------------------------------------------------------------

_CANARY_SERVER = r"""
import http.server, sys
log = open(sys.argv[1], "a", buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        log.write(self.path + "\n")
        self.send_response(200); self.end_headers(); self.wfile.write(b"<!ENTITY x 'canary'>")
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"""


@dataclass
class Canary:
    """An HTTP server in its own process that writes every request path to `log`."""

    log: Path
    process: subprocess.Popen[str]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/xxe-{H.MARKER}"

    def hits(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


def start_canary(folder: Path) -> Canary:
    log = folder / "canary.log"
    proc = subprocess.Popen([sys.executable, "-c", _CANARY_SERVER, str(log)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return Canary(log, proc, port)


def stop_canary(canary: Canary) -> None:
    canary.process.terminate()
    canary.process.wait(timeout=10)


# --------------------------------------------------------------------------
# Running one case
# --------------------------------------------------------------------------


@dataclass
class CaseRun:
    """What one case did."""

    case: H.Case
    size: int
    seconds: float
    outcome: str
    reason: str
    follower_outcome: str
    stored_raw_equal: bool
    mail: list[tuple[str, EmailMessage, bytes]] = field(default_factory=list)  # answering the hostile message
    export: list[dict[str, object]] = field(default_factory=list)
    report: PollReport | None = None
    folder: str | None = None
    inbox_left: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    child_peak_bytes: int = 0

    def budget(self, config: Config) -> float:
        """The wall time the configured limits allow: every attachment up to the per-file cap, plus margin.

        The cap counts the reader's CPU time; on a loaded machine a file may use up to the
        wall-clock backstop (WALL_BACKSTOP caps) before it is ended.
        """
        return self.case.files * config.limits.seconds_per_file * WALL_BACKSTOP + MARGIN_SECONDS


TIMINGS: list[CaseRun] = []


def run_case(case: H.Case, root: Path, canary_url: str) -> CaseRun:
    """Deliver `case`'s message and an ordinary form after it, run one cycle, and collect what happened."""
    box = HostileBox(root, corpus_config())
    raw = case.build(H.BuildContext(canary_url))
    since = time.time()
    hostile = box.deliver(raw, at("2026-10-29T10:00"))
    normal = box.deliver(follower(), at("2026-10-29T10:01"))
    started = time.monotonic()
    report = box.poll(at("2026-10-29T11:00"))
    seconds = time.monotonic() - started
    messages = box.messages()
    outcome, reason, stored = messages[hostile]
    hostile_id = box.row_id(hostile)
    run = CaseRun(
        case=case, size=len(raw), seconds=seconds, outcome=outcome, reason=reason,
        follower_outcome=messages[normal][0], stored_raw_equal=stored == raw,
        mail=[(kind, msg, data) for kind, rid, msg, data in box.mail() if rid == hostile_id],
        export=[e for e in export_period(box.engine, box.config, OCT) if e["sender"] == H.SENDER],
        report=report, folder=box.folder_of(hostile), inbox_left=box.inbox(),
        written=files_named_like(case.chosen_names, root, since),
        child_peak_bytes=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    )
    TIMINGS.append(run)
    return run


def expected_folder(outcome: str) -> str:
    return FOLDER_FOR[Outcome(outcome)].value


def print_timings(runs: Iterator[CaseRun] | list[CaseRun]) -> None:
    """A table of every case run in this process (shown with -s)."""
    rows = sorted(runs, key=lambda r: -r.seconds)
    if not rows:
        return
    print(f"\n{'case':32} {'outcome':12} {'size':>9} {'seconds':>8}")
    for r in rows:
        print(f"{r.case.id:32} {r.outcome:12} {r.size / 1e6:8.2f}M {r.seconds:8.2f}")


# --------------------------------------------------------------------------
# What every case must show
# --------------------------------------------------------------------------

_REPLY_FOR = {"stored": "receipt", "rejected": "error_reply", "quarantined": "quarantine_notice"}
_UNSAFE_IN_NAMES = ("/", "\\", "\x00", "\u202e", "\u202d", "\u200f", "\r", "\n")


def check_case(run: CaseRun, config: Config, canary: Canary) -> None:
    """The promises of tests/hostile, for one case (see SECURITY.md)."""
    case = run.case
    # A clear outcome, and the cycle did not fail on it.
    assert run.report is not None and run.report.failures == [], run.report and run.report.failures
    assert run.outcome == case.outcome, f"{case.id}: {run.outcome} ({run.reason})"
    # The worker went on: the ordinary form after it was stored in the same cycle.
    assert run.follower_outcome == "stored"
    # Within the configured limits.
    assert run.seconds < run.budget(config), f"{case.id}: {run.seconds:.1f} s"
    assert run.child_peak_bytes <= config.limits.memory_bytes
    # The raw message is kept, byte for byte, and the mailbox copy moved out of the inbox.
    assert run.stored_raw_equal
    assert run.folder == expected_folder(case.outcome)
    assert run.inbox_left == []
    # Nothing was written under a name the sender chose, nor was any external entity fetched.
    assert run.written == []
    assert canary.hits() == []
    for _, _, data in run.mail:
        assert b"root:x:0:0" not in data  # /etc/passwd never travels out
    kinds = [kind for kind, _, _ in run.mail]
    if case.outcome == "ignored":
        assert kinds == []
        return
    assert kinds and set(kinds) == {_REPLY_FOR[case.outcome]}, kinds
    if case.outcome == "rejected":
        [(_, reply, _)] = run.mail
        text = body_text(reply)
        assert "Det här är fel:" in text
        for words in case.says:
            assert any(w in text for w in words.split("|")), f"{case.id}: {words!r} not in the error reply"
        assert [a.get_filename() for a in reply.iter_attachments()] == [
            "Lägesbild sociala risker - Ludvika.docx"]  # the blank form to fill in instead
        assert run.export == []
    elif case.outcome == "quarantined":
        for words in case.says:
            assert any(w in run.reason for w in words.split("|")), f"{case.id}: {words!r} not in {run.reason!r}"
        assert run.export == []
    else:
        [entry] = run.export
        assert entry["municipality"] == H.MUNICIPALITY
        filename = str(entry["file"])
        assert filename and len(filename) <= 200
        assert not any(ch in filename for ch in _UNSAFE_IN_NAMES), repr(filename)
