"""Batched LibreOffice conversions for the variants, cached on disk by content.

Like tests/builders/other_builder.convert_many (whose content hash and cache
directory this shares), but with the .docx target (a Word file opened and
saved again in LibreOffice), chunks of at most `chunk` files per soffice
call, and at most `jobs` soffice processes at a time (each with its own
throw-away profile), so a few thousand conversions keep both cores busy. A
file LibreOffice fails on is reported, not raised: the run goes on.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.builders.other_builder import cached_by_key, content_hash, soffice_path, store_by_key

#: target -> (--convert-to argument, output extension)
FILTERS: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "pdf"),
    "odt": ("odt", "odt"),
    "docx": ("docx:MS Word 2007 XML", "docx"),
    "ods": ("ods", "ods"),
    "xls": ("xls:MS Excel 97", "xls"),
}


@dataclass(frozen=True)
class Job:
    """One file to convert."""

    source: bytes
    src_ext: str
    target: str

    @property
    def key(self) -> str:
        return f"{content_hash(self.source)}.{self.src_ext}-to-{self.target}"


def cached(job: Job) -> bytes | None:
    """The converted bytes when known (memory, then disk; shared with tests/builders)."""
    return cached_by_key(job.key)


def _store(key: str, data: bytes) -> None:
    store_by_key(key, data)


def convert_all(jobs: Iterable[Job], *, parallel: int = 0, chunk: int = 120,
                timeout: float = 600.0) -> dict[str, str]:
    """Convert every job not cached yet. Returns key -> error for the files that failed."""
    soffice = soffice_path()
    pending: dict[str, Job] = {}
    for job in jobs:
        if cached(job) is None:
            pending.setdefault(job.key, job)
    if not pending:
        return {}
    if soffice is None:
        return dict.fromkeys(pending, "LibreOffice (soffice) is not installed")
    by_target: dict[str, list[Job]] = {}
    for job in pending.values():
        by_target.setdefault(job.target, []).append(job)
    batches = [(t, js[i:i + chunk]) for t, js in sorted(by_target.items()) for i in range(0, len(js), chunk)]
    parallel = parallel or max(1, os.cpu_count() or 1)
    errors: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="lagesbild-variants-lo-") as tmp:
        running: list[tuple[subprocess.Popen[bytes], Path, list[Job], str, float]] = []
        queue = list(enumerate(batches))

        def start(n: int, target: str, batch: list[Job]) -> None:
            indir, outdir = Path(tmp, f"in{n}"), Path(tmp, f"out{n}")
            indir.mkdir()
            outdir.mkdir()
            files = []
            for job in batch:
                src = indir / f"{job.key}.{job.src_ext}"
                src.write_bytes(job.source)
                files.append(str(src))
            profile = Path(tmp, f"profile{n}").as_uri()
            cmd = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nolockcheck",
                   "--nodefault", "--nologo", "--convert-to", FILTERS[target][0], "--outdir", str(outdir), *files]
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            running.append((proc, outdir, batch, target, time.monotonic()))

        while queue or running:
            while queue and len(running) < parallel:
                n, (target, batch) = queue.pop(0)
                start(n, target, batch)
            time.sleep(0.2)
            for item in list(running):
                proc, outdir, batch, target, started = item
                if proc.poll() is None and time.monotonic() - started < timeout:
                    continue
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                running.remove(item)
                ext = FILTERS[target][1]
                for job in batch:
                    out = outdir / f"{job.key}.{ext}"
                    if out.is_file() and out.stat().st_size > 0:
                        _store(job.key, out.read_bytes())
                    else:
                        errors[job.key] = f"LibreOffice wrote no {ext} (exit {proc.returncode})"
    return errors


__all__ = ["FILTERS", "Job", "cached", "convert_all"]
