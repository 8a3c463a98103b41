"""Converting files with LibreOffice, as people's Word/Excel exports would.

Each process gets its own LibreOffice profile, so parallel test workers do
not fight over one. Conversions are cached by content, so a file converted
once per session is not converted again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

_CACHE: dict[tuple[str, str], bytes] = {}
_PROFILE = Path(tempfile.gettempdir()) / f"lagesbild-lo-profile-{os.getpid()}"


def available() -> bool:
    """True when LibreOffice can be run."""
    return shutil.which("soffice") is not None


def convert_many(items: list[tuple[str, bytes]], target: str) -> list[bytes]:
    """Convert (filename, bytes) pairs to `target` ("pdf", "odt", "xlsx", "doc", ...) in one call."""
    ext = target.split(":", 1)[0]
    results: list[bytes | None] = [_CACHE.get((hashlib.sha256(d).hexdigest() + n, target)) for n, d in items]
    todo = [(i, n, d) for i, ((n, d), r) in enumerate(zip(items, results, strict=True)) if r is None]
    if todo:
        with tempfile.TemporaryDirectory() as tmp:
            src_dir, out_dir = Path(tmp) / "in", Path(tmp) / "out"
            src_dir.mkdir()
            paths = []
            for i, name, data in todo:
                path = src_dir / f"{i:04d}{Path(name).suffix}"
                path.write_bytes(data)
                paths.append(str(path))
            subprocess.run(
                ["soffice", f"-env:UserInstallation=file://{_PROFILE}", "--headless", "--norestore",
                 "--convert-to", target, "--outdir", str(out_dir), *paths],
                check=True, capture_output=True, timeout=300,
            )
            for i, name, data in todo:
                out = (out_dir / f"{i:04d}.{ext}").read_bytes()
                _CACHE[(hashlib.sha256(data).hexdigest() + name, target)] = out
                results[i] = out
    return [r for r in results if r is not None]


def convert(name: str, data: bytes, target: str) -> bytes:
    """Convert one file; see `convert_many`."""
    return convert_many([(name, data)], target)[0]
