"""What a message's status updates cost when its raw mail is large, on SQLite.

Stores one message with a `--mb` MB body (default 20) through the store's
own verbs, then runs `--updates` (default 50) of the updates a message goes
through while it is handled (a failure counted, an outcome set, the move
recorded), each in its own transaction as the worker runs them. Prints the
time per update and what they wrote: the bytes the process handed to
write() (from /proc/self/io `wchar`: database file, WAL and checkpoints) and
how much the database file and its WAL grew. The baseline in the same run is
the same updates on a message of 1 kB.

    python bench/raw_updates.py [--mb 20] [--updates 50] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ground.refs import MessageRef  # noqa: E402
from store import repo  # noqa: E402
from store.db import make_engine, migrate, transaction  # noqa: E402
from store.outcome import Outcome  # noqa: E402

NOW = datetime(2026, 10, 29, 9, 0, tzinfo=UTC)


def _written() -> int:
    """Bytes this process has passed to write() so far (Linux)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def run(work: Path, size: int, updates: int) -> tuple[float, int, int]:
    """(seconds per update, bytes written per update, file and WAL growth over all updates)."""
    db = work / f"bench-{size}.db"
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    ref = MessageRef("maildir:/bench", 0, "big")
    body = os.urandom(size)
    with transaction(engine) as s:
        raw_id = repo.insert_raw(s, ref, message_id="<big@bench>", sha256="0" * 64, sender="a@b.se",
                                 subject="stor", received_at=NOW, raw=body).id
    before_size, before_written = _size(db), _written()
    start = time.perf_counter()
    for i in range(updates):
        with transaction(engine) as s:
            match i % 3:
                case 0:
                    repo.record_failure(s, ref, None, None, f"försök {i}", NOW + timedelta(minutes=i), 1000)
                case 1:
                    repo.set_outcome(s, raw_id, Outcome.STORED, f"klar {i}", "Avesta")
                case _:
                    repo.mark_moved(s, raw_id)
    seconds = time.perf_counter() - start
    written, grown = _written() - before_written, _size(db) - before_size
    with transaction(engine) as s:
        assert repo.get_raw(s, raw_id) == body  # the mail is still there, unchanged
    engine.dispose()
    return seconds / updates, written // updates, grown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=20)
    parser.add_argument("--updates", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="keep the databases in this folder")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="lb-raw-updates-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        print(f"{args.updates} updates, each in its own transaction, on SQLite ({work})")
        print(f"{'body':>10} {'ms/update':>10} {'written/update':>15} {'file+WAL growth':>16}")
        for size in (1024, int(args.mb * 1024 * 1024)):
            per, written, grown = run(work, size, args.updates)
            print(f"{size / 1024 / 1024:>8.3f}MB {per * 1000:>10.2f} {written / 1024 / 1024:>13.3f}MB "
                  f"{grown / 1024 / 1024:>14.1f}MB")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
