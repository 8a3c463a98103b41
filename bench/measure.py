"""The benchmarks' figures: percentiles, CPU and memory of a process tree, the machine, a stopwatch."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank on the sorted values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def maxrss_mb() -> tuple[float, float]:
    """Peak resident set size (MB) of this process and of its largest waited-for descendant."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return out


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB; PSS counts pages shared with a forked parent only once."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def _peak_kb(pid: int) -> int:
    """VmHWM: the peak RSS of a process's current program in kB (0 when gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory:
    """Samples a process tree (default: this process) every `interval` s: the peak of the summed RSS
    and PSS, and the largest peak RSS (VmHWM) of any one process in it.

    Why not only ru_maxrss: it counts the pages a forked child shares with its
    parent again, and a command started by a bigger process inherits that
    process's peak (exec records the old address space's high-water mark:
    /bin/true started by a 300 MB Python reports 313 MB). VmHWM is per program.
    The sampled PSS sum is what the whole tree held. The sampler is a separate
    process, not a thread: flow.sandbox forks only from a single-threaded
    process (else it uses a fork server), and a benchmark must not change
    which path production takes. A parse child lives ~50 ms, so it may fall
    between samples; its memory is mostly its parent's pages anyway.
    """

    def __init__(self, root: int | None = None, interval: float = 0.25, *, include_root: bool = True) -> None:
        self.root = root or os.getpid()
        self.include_root = include_root
        self.interval = interval
        self.peak_rss_kb = 0
        self.peak_pss_kb = 0
        self.largest_kb = 0
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> TreeMemory:
        self._proc = subprocess.Popen([sys.executable, __file__, "sample-tree", str(self.root), str(self.interval),
                                       "1" if self.include_root else "0", "hwm"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._proc is not None
        out, _ = self._proc.communicate("")  # EOF on stdin: print the peaks and stop
        self.peak_rss_kb, self.peak_pss_kb, self.largest_kb = (int(v) for v in out.split())


def _sample_tree(root: int, interval: float, include_root: bool, hwm: bool) -> None:
    """The sampler process of TreeMemory: sample until stdin closes, then print
    "peak_rss peak_pss" and, with `hwm`, " largest_vmhwm" (kB)."""
    me = os.getpid()
    peak_rss = peak_pss = largest = 0
    done = threading.Event()

    def wait_for_eof() -> None:
        sys.stdin.read()
        done.set()

    threading.Thread(target=wait_for_eof, daemon=True).start()
    while True:
        rss = pss = 0
        for pid in _descendants(root):
            if pid != me and (include_root or pid != root):
                r, p = _memory_kb(pid)
                rss, pss = rss + r, pss + p
                largest = max(largest, _peak_kb(pid))
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        if done.wait(interval):
            break
    if hwm:
        print(peak_rss, peak_pss, largest)
    else:
        print(peak_rss, peak_pss)


def cpu_seconds() -> float:
    """User + system CPU of this process and its waited-for descendants."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def machine_note() -> str:
    """One line: date, CPU model, cores, memory, Python."""
    model = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024 ** 3
    return (f"{datetime.now().strftime('%Y-%m-%d %H:%M')}; {model}; {os.cpu_count()} cores; {mem_gb:.0f} GB; "
            f"Python {platform.python_version()}; code {code_revision()}")


def speed_probe() -> float:
    """Seconds a fixed pure-Python workload takes here (best of three): a yardstick for comparing
    runs made on different machines, or on one machine whose speed drifts (shared hosts do)."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        table: dict[str, int] = {}
        for i in range(300_000):
            key = f"k{i % 997}"
            table[key] = table.get(key, 0) + len(key)
        best = min(best, time.process_time() - start)
    return best


def code_revision() -> str:
    """The commit the code under test is at, and "+changes" when its packages differ from it."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "lagesbild", "parsers",
                                "ingest", "store", "outputs"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" +uncommitted changes" if dirty.strip() else "")


def machine_cpu_seconds() -> float:
    """CPU seconds every core of the machine has spent busy since boot (/proc/stat), all processes."""
    with open("/proc/stat", encoding="ascii") as fh:
        fields = [int(v) for v in fh.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Stopwatch:
    """`with Stopwatch() as t: ...` then t.seconds (wall), t.cpu (this process and waited-for
    children) and t.machine (cores the whole machine kept busy: other work shows as machine > cpu/seconds)."""

    def __enter__(self) -> Stopwatch:
        self._start, self._cpu, self._machine = time.perf_counter(), cpu_seconds(), machine_cpu_seconds()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.seconds = time.perf_counter() - self._start
        self.cpu = cpu_seconds() - self._cpu
        self.machine = (machine_cpu_seconds() - self._machine) / max(self.seconds, 1e-9)


def chunked(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


if __name__ == "__main__" and sys.argv[1:2] == ["sample-tree"]:
    _sample_tree(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "1", sys.argv[5:6] == ["hwm"])
