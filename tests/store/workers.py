"""Child-process bodies for the race tests (spawned, so each builds its own engine)."""

from __future__ import annotations

import time
from datetime import timedelta
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

from parsers.result import Format
from store import repo
from store.db import make_engine, migrate, transaction
from store.errors import AlreadyClaimed
from tests.store.helpers import NOW, answers, insert


def claim(url: str, uid: str, barrier: Barrier, hold: float, results: Queue[Any]) -> None:
    """Try to claim `uid`; the winner keeps its transaction open `hold` seconds so the others must wait on it."""
    engine = make_engine(url)
    try:
        with transaction(engine) as s:
            barrier.wait(30)
            try:
                insert(s, uid)
            except AlreadyClaimed:
                results.put("lost")
                return
            time.sleep(hold)
        results.put("won")
    except Exception as exc:  # report, so the parent's assertion shows it
        results.put(f"error: {type(exc).__name__}: {exc}")
    finally:
        engine.dispose()


def file_report(url: str, uid: str, impact: int, barrier: Barrier, hold: float, results: Queue[Any]) -> None:
    """Store a message and file it as Avesta's 2026-10 report, racing another process doing the same."""
    engine = make_engine(url)
    try:
        with transaction(engine) as s:
            row = insert(s, uid, received_at=NOW + timedelta(minutes=impact))
        with transaction(engine) as s:
            barrier.wait(30)
            result = repo.record_submission(
                s, county="20", municipality="Avesta", period="2026-10", received_at=NOW + timedelta(minutes=impact),
                raw_id=row.id, filename=f"{uid}.docx", format=Format.DOCX, answers=answers(impact), issues=(),
                flags=(), deadline_end=None)
            time.sleep(hold)
        results.put((result.kind.value, result.submission.version))
    except Exception as exc:
        results.put(f"error: {type(exc).__name__}: {exc}")
    finally:
        engine.dispose()


def run_migrate(url: str, barrier: Barrier, results: Queue[Any]) -> None:
    """Migrate at the same moment as another process."""
    engine = make_engine(url)
    try:
        barrier.wait(30)
        migrate(engine)
        results.put("ok")
    except Exception as exc:
        results.put(f"error: {type(exc).__name__}: {exc}")
    finally:
        engine.dispose()
