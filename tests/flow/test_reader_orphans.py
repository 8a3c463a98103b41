"""Readers do not outlive a worker killed outright: a process with two readers is sent SIGKILL (no
clean-up runs) and both readers end within seconds, though each holds a copy of the other's pipe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WORKER = """
import sys, time
from flow.sandbox import ReaderPool
from lagesbild.samples import sample_answers, template_docx
from parsers.form import default_form
from parsers.limits import Limits
from parsers.result import Period

form = default_form()
pool = ReaderPool(Limits().memory_bytes, workers=2)
data = template_docx(form, "Mora", Period(2026, 10), sample_answers(form, "Mora", Period(2026, 10)))
pending = [pool.submit(data, "Mora.docx", form, Limits()) for _ in range(2)]  # both readers start
print(" ".join(str(r.process.pid) for r in pool._readers), flush=True)
for handle in pending:
    handle()
print("read", flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_readers_end_when_their_worker_is_killed() -> None:
    worker = subprocess.Popen([sys.executable, "-c", WORKER], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert worker.stdout is not None
    try:
        readers = [int(pid) for pid in worker.stdout.readline().split()]
        assert len(readers) == 2 and all(_alive(pid) for pid in readers)
        assert worker.stdout.readline().strip() == "read"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in readers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in readers), "a reader outlived its killed worker"
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
