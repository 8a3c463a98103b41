"""The CPU time a reader process has used: the clock a file's time cap counts.

A file's cap counts the reader's own CPU time, not the wall clock: on a
machine busy with other work a form that needs 5 s of reading can take 20 s
of wall time, and refusing it then would tell a municipality its form cannot
be read because of our load. Linux gives the time per thread in nanoseconds
(/proc/<pid>/task/<tid>/schedstat); the process's clock ticks in
/proc/<pid>/stat are the fallback. Elsewhere there is no reading (None) and
the caller counts wall time.
"""

from __future__ import annotations

import os

_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user and system, all threads) process `pid` has used; None when it cannot be read."""
    nanoseconds = _schedstat_nanoseconds(pid)
    if nanoseconds is not None:
        return nanoseconds / 1e9
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # The command name (field 2) may hold spaces and parentheses; the fields after its last ")" do not.
            fields = stat.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS_PER_SECOND
    except (OSError, ValueError, IndexError):
        return None


def _schedstat_nanoseconds(pid: int) -> int | None:
    try:
        threads = os.listdir(f"/proc/{pid}/task")
        total = 0
        for tid in threads:
            with open(f"/proc/{pid}/task/{tid}/schedstat", "rb") as schedstat:
                total += int(schedstat.read().split()[0])
        return total
    except (OSError, ValueError, IndexError):
        return None
