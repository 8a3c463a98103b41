"""A file's time cap counts its reader's CPU time, with a wall-clock backstop.

The readers are real processes: one is stopped with SIGSTOP (it gets no CPU
at all, as on a machine far over its cores) and the pool must neither refuse
its file at the cap nor wait for it past the backstop.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time

from flow.cpu_clock import cpu_seconds
from flow.sandbox import WALL_BACKSTOP, Pending, ReaderPool
from lagesbild.samples import sample_answers, template_docx
from parsers.form import default_form
from parsers.limits import Limits
from parsers.result import Period
from tests.flow.test_sandbox import _big_docx

FORM = default_form()
PERIOD = Period(2026, 10)


def _docx() -> bytes:
    return template_docx(FORM, "Mora", PERIOD, sample_answers(FORM, "Mora", PERIOD))


def _stopped_mid_file(pool: ReaderPool, cap: float) -> tuple[Pending, int]:
    """Hand a file that takes about 0.2 s of CPU to a reader and stop the reader at once: its pid.

    (A reader may retire after any file, so the one that reads this file is looked up after it
    took the file, not kept from an earlier one.)
    """
    pending = pool.submit(_big_docx(2000), "stor.docx", FORM, dataclasses.replace(Limits(), seconds_per_file=cap))
    pid: int = next(r.process.pid for r in pool._readers if r.ticket == pending.ticket)
    os.kill(pid, signal.SIGSTOP)
    return pending, pid


def test_a_reader_given_no_cpu_past_its_cap_still_reads_its_file() -> None:
    pool = ReaderPool(Limits().memory_bytes, workers=1)
    cap = 2.0
    try:
        pending, pid = _stopped_mid_file(pool, cap)
        # Woken after 1.5 caps of wall time with almost no CPU used: a wall-clock cap would refuse it.
        waking = threading.Timer(1.5 * cap, os.kill, (pid, signal.SIGCONT))
        started = time.monotonic()
        waking.start()
        result = pending()
        waking.join()
        assert time.monotonic() - started >= 1.5 * cap
        assert not any("för lång tid" in i.message for i in result.issues), [i.message for i in result.issues]
        assert not pool.parse(_docx(), "Mora.docx", FORM, Limits()).unreadable
    finally:
        pool.close()


def test_a_reader_that_never_gets_cpu_is_ended_at_the_wall_clock_backstop() -> None:
    pool = ReaderPool(Limits().memory_bytes, workers=1)
    cap = 0.5
    try:
        started = time.monotonic()
        pending, pid = _stopped_mid_file(pool, cap)
        result = pending()
        waited = time.monotonic() - started
        assert result.unreadable and "för lång tid" in result.issues[0].message
        assert waited >= cap * WALL_BACKSTOP
        assert all(r.process.pid != pid for r in pool._readers)  # the stopped reader was killed
        assert not pool.parse(_docx(), "Mora.docx", FORM, Limits()).unreadable  # and replaced
    finally:
        pool.close()


def test_cpu_seconds_counts_a_process_s_work_not_its_sleep() -> None:
    spinner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\ntime.sleep(30)",
        ]
    )
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        deadline = time.monotonic() + 30
        while (used := cpu_seconds(spinner.pid) or 0.0) < 0.6 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert used >= 0.6
        slept = cpu_seconds(sleeper.pid)
        assert slept is not None and slept < 0.5  # the interpreter's start-up only
        assert cpu_seconds(2**22 + 12345) is None  # no such process
    finally:
        for process in (spinner, sleeper):
            process.kill()
            process.wait()
