"""Peak memory of reading one large message through the intake, as a multiple of its size.

Builds one message of about `--mb` MB (default 30) in each shape and runs
`lagesbild poll --once` on a Maildir holding only it, in a fresh process
whose peak resident size (VmHWM) is read at the end; the same process with
one ordinary form mail (some 50 kB) is the baseline subtracted, so what is
counted is what the size costs, not the modules a first message loads. The
shapes:

  * one-big: an ordinary form and one big attachment (random bytes, base64);
  * many-small: an ordinary form and 300 small attachments (base64);
  * text-body: an ordinary form and a long body (plain text and its HTML alternative).

`--trace` also runs the intake in this process under tracemalloc and prints
the lines that held the most memory at the peak (where the copies are).
Forms are read in the sandbox's children (their memory is their own, capped
by `[parsing] memory_mb`), so the figure is the worker process's own.

    python bench/message_memory.py [--mb 30] [--shape one-big] [--postgres] [--imap] [--trace] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from measure import machine_note  # noqa: E402

from tests.builders import mail as mails  # noqa: E402

MB = 1024 * 1024
SHAPES = ("one-big", "many-small", "text-body")

# VmHWM, not ru_maxrss: the latter keeps the forking parent's size across exec.
_PROBE = r"""
import sys
from lagesbild.cli import main
code = main(["poll", "--once", "--json", "--config", sys.argv[1], "--now", "2026-10-29T10:00"])
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print("PEAK", int(hwm.split()[1]) * 1024, file=sys.stderr)
sys.exit(code)
"""


def build(shape: str, size: int) -> bytes:
    """One message of about `size` bytes in `shape` (see the module docstring)."""
    form = [("Lägesbild Ludvika.docx", mails.form_docx("Ludvika"), mails.DOCX_TYPE)]
    raw_size = size * 3 // 4  # base64 takes four letters for three bytes
    if shape == "one-big":
        extra = [("bilder.bin", os.urandom(raw_size), "application/octet-stream")]
        return mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "Hej!", form + extra)
    if shape == "many-small":
        n = 300
        extra = [(f"bild-{i}.bin", os.urandom(raw_size // n), "application/octet-stream") for i in range(n)]
        return mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "Hej!", form + extra)
    line = "Rad med text om laget i kommunen, som upprepas for att gora brevet langt.\n"  # ASCII: QP keeps its size
    body = line * (size // 3 // len(line))  # sent as text and as an HTML alternative, both base64 (~3x)
    return mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", body, form)


PASSWORD_ENV = "LAGESBILD_BENCH_IMAP_PASSWORD"


def write_setup(folder: Path, raw: bytes | None, store: str = "", imap: Any = None) -> Path:
    """A mailbox holding `raw` (or nothing): a Maildir, or a fresh folder on the Dovecot `imap`;
    a fresh store (`store`, else SQLite); a file outbox. The config's path."""
    maildir = folder / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    source, extra = f"maildir:{maildir}", ""
    if imap is not None:
        name = f"Bench{folder.name.replace('-', '')}"
        client = imap.client()
        client.create_folder(name)
        if raw is not None:
            client.append(name, raw)
        client.logout()
        source = imap.url(name)
        extra = f'password_env = "{PASSWORD_ENV}"\nallow_plaintext_loopback = true\nidle = false\n'
    elif raw is not None:
        (maildir / "new" / "1790000001.M1P1.bench").write_bytes(raw)
    config = folder / "config.toml"
    url = store or f"sqlite:///{folder / 'lb.db'}"
    config.write_text(f'signals = []\n[mailbox]\nsource = "{source}"\n{extra}[store]\nurl = "{url}"\n'
                      f'[outbox]\ntransport = "file:{folder / "out"}"\n', encoding="utf-8")
    return config


def peak_of_poll(config: Path) -> tuple[int, str]:
    """VmHWM (bytes) of one `lagesbild poll --once` in a fresh process, and its JSON."""
    done = subprocess.run([sys.executable, "-c", _PROBE, str(config)], capture_output=True, text=True, timeout=600,
                          cwd=Path(__file__).resolve().parents[1])
    if "PEAK" not in done.stderr:
        raise SystemExit(done.stderr)
    return int(done.stderr.split("PEAK")[1].split()[0]), done.stdout.strip()


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def trace(config_path: Path) -> None:
    """The intake in this process (production parse: the forms in the sandbox's children), its resident
    size sampled from a second thread: where the handling stood at each new high (where the copies are)."""
    from flow.pipeline import poll_once
    from ingest.open import open_source
    from lagesbild.config import load_config
    from store.db import make_engine, migrate

    config = load_config(config_path)
    engine = make_engine(config.store.url)
    migrate(engine)
    source = open_source(config.mailbox)
    worker = threading.Thread(target=poll_once, args=(source, engine, config, datetime(2026, 10, 29, 9, tzinfo=UTC)))
    base = best = _rss()
    highs: list[tuple[int, str]] = []
    worker.start()
    while worker.is_alive():
        now = _rss()
        if now > best + 4 * MB:
            best = now
            frame = sys._current_frames().get(worker.ident or 0)
            frames: list[str] = []
            while frame is not None and len(frames) < 4:
                code = frame.f_code
                if "/lib/python3" not in code.co_filename or "site-packages" in code.co_filename:
                    frames.append(f"{Path(code.co_filename).name}:{frame.f_lineno} {code.co_name}")
                frame = frame.f_back
            highs.append((now - base, " < ".join(frames)))
        time.sleep(0.001)
    print(f"  in process: resident +{(best - base) / MB:.1f} MB at most; the highs, and where the handling was:")
    for size, frames_text in highs[-12:]:
        print(f"    +{size / MB:6.1f} MB  {frames_text}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=30)
    ap.add_argument("--shape", choices=SHAPES, action="append")
    ap.add_argument("--trace", action="store_true")
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--postgres", action="store_true", help="a fresh schema on the test server for each run "
                    "(TEST_POSTGRES_URL, else 127.0.0.1:5432/test), instead of SQLite")
    ap.add_argument("--imap", action="store_true", help="the message in a local Dovecot (over IMAP), not a Maildir")
    args = ap.parse_args()
    with contextlib.ExitStack() as stack:
        imap = None
        if args.imap:
            from tests.support import dovecot

            imap = stack.enter_context(dovecot.running_dovecot(tls=False))
            os.environ[PASSWORD_ENV] = imap.password
        run(args, imap)


def run(args: argparse.Namespace, imap: Any) -> None:
    """Every shape asked for, against the baseline (see the module docstring)."""
    drops: list[Callable[[], None]] = []

    def store() -> str:
        if not args.postgres:
            return ""
        from tests.support.postgres import fresh_schema

        url, drop = fresh_schema("lbmem")
        drops.append(drop)
        return url

    root = args.keep or Path(tempfile.mkdtemp(prefix="lb-msgmem-"))
    root.mkdir(parents=True, exist_ok=True)
    print(machine_note())
    small = mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "Hej!",
                             [("Lägesbild Ludvika.docx", mails.form_docx("Ludvika"), mails.DOCX_TYPE)])
    base, _ = peak_of_poll(write_setup(root / "small", small, store(), imap))
    print(f"baseline (one ordinary form mail, {len(small) / 1024:.0f} kB): {base / MB:.1f} MB")
    print(f"{'shape':12} {'size MB':>8} {'peak MB':>8} {'over base':>9} {'x size':>7}  outcome")
    results = []
    for shape in args.shape or SHAPES:
        raw = build(shape, int(args.mb * MB))
        config = write_setup(root / shape, raw, store(), imap)
        peak, out = peak_of_poll(config)
        outcome = json.loads(out).get("outcomes", {}) if out.startswith("{") else out[:80]
        over = peak - base
        results.append({"shape": shape, "size": len(raw), "peak": peak, "base": base})
        print(f"{shape:12} {len(raw) / MB:8.1f} {peak / MB:8.1f} {over / MB:9.1f} {over / len(raw):7.1f}  {outcome}")
        if args.trace:
            trace(write_setup(root / f"{shape}-trace", raw, store(), imap))
    for drop in drops:
        drop()
    if args.keep is None:
        shutil.rmtree(root, ignore_errors=True)
    else:
        (root / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
