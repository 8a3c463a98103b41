"""What the benchmarks share: a national configuration, cheap form mail, Maildir delivery, timing and memory.

A national configuration. The configuration checks that every municipality
belongs to its `[county] code` (there is no "whole country" code), so the
country is 21 configurations, one per county, sharing one database: exactly
how several counties are served from one store (tests/lagesbild/test_counties.py).
`county_data()` gives the TOML table of one county: every municipality of the
county with the sender domain `<name without accents>.se`.

Cheap forms. Writing 35,000 .docx files with python-docx costs ~40 ms each.
`FormFactory` builds a few hundred distinct filled-in forms once (the
county's Word template with different answers, lagesbild.samples) and then
relabels one for any municipality and month by replacing two strings in
word/document.xml ("Oktober månad 2026" and "Underlaget inlämnat av kommun:
Ludvika kommun"). The new .docx is spliced: every other zip entry is copied
as its compressed bytes and only document.xml (5 kB) is deflated again, so
a form costs ~0.3 ms instead of the ~9 ms of rewriting the zip (styles.xml
and stylesWithEffects.xml are 0.8 MB of XML).
"""

from __future__ import annotations

import io
import json
import os
import platform
import re
import resource
import struct
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lagesbild.samples import sample_answers, template_docx  # noqa: E402
from parsers.form import FormSpec, default_form  # noqa: E402
from parsers.municipality import Municipality, load_registry  # noqa: E402
from parsers.normalize import strip_accents  # noqa: E402
from parsers.period import month_name  # noqa: E402
from parsers.result import Period  # noqa: E402

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
VENV_PYTHON = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "python"
LAGESBILD = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "lagesbild"  # the console script, as deployed


# --------------------------------------------------------------------------
# The national configuration
# --------------------------------------------------------------------------


def counties() -> dict[str, list[Municipality]]:
    """County code -> its municipalities (SCB order); 21 counties, 290 municipalities."""
    out: dict[str, list[Municipality]] = {}
    for m in load_registry().all():
        out.setdefault(m.county_code, []).append(m)
    return out


def slug(text: str) -> str:
    """ "Malung-Sälen" -> "malung-salen", "Upplands Väsby" -> "upplands-vasby" (a domain label)."""
    return re.sub(r"[^a-z0-9-]+", "-", strip_accents(text).lower()).strip("-")


def domain_of(municipality: str) -> str:
    """The sender domain the benchmarks give a municipality."""
    return f"{slug(municipality)}.se"


def county_data(code: str, *, source: str, store_url: str, outbox: str,
                mailbox: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One county's configuration as TOML data: all its municipalities, one shared database."""
    members = counties()[code]
    county_name = members[0].county
    county_slug = slug(county_name)
    data: dict[str, Any] = {
        "county": {"name": county_name, "code": code,
                   "mailbox_address": f"lagesbild@lansstyrelsen-{county_slug}.example",
                   "sender_name": f"Länsstyrelsen {county_name} – Lägesbild",
                   "staff": [f"handlaggare@lansstyrelsen-{county_slug}.example"],
                   "leadership": [f"ledning@lansstyrelsen-{county_slug}.example"]},
        "municipalities": [{"name": m.name, "domains": [domain_of(m.name)],
                            "contacts": [f"samordnare@{domain_of(m.name)}"]} for m in members],
        "mailbox": {"source": source, **(mailbox or {})},
        "store": {"url": store_url},
        "outbox": {"transport": outbox},
    }
    if code != "20":
        data["groups"] = []  # the built-in groups are Dalarna's
    return data


def county_config(data: Mapping[str, Any], base: Path) -> Any:
    """The Config of `county_data(...)` (validated as a file would be)."""
    from lagesbild.config import config_from_dict

    return config_from_dict(data, base)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def toml_text(data: Mapping[str, Any]) -> str:
    """A TOML file for configuration data as `county_data` builds it (tables, arrays of tables, lists)."""
    top, tables, arrays = [], [], []
    for key, value in data.items():
        if isinstance(value, dict):
            body = "".join(f"{k} = {_toml_value(v)}\n" for k, v in value.items())
            tables.append(f"[{key}]\n{body}")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                arrays.append(f"[[{key}]]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in item.items()))
        else:
            top.append(f"{key} = {_toml_value(value)}\n")
    return "".join(top) + "\n".join(tables) + "\n" + "\n".join(arrays)


# --------------------------------------------------------------------------
# Forms and mail
# --------------------------------------------------------------------------

BASE_MUNICIPALITY = "Ludvika"
BASE_PERIOD = Period(2026, 10)


def _period_line(period: Period) -> bytes:
    return f"{month_name(period.month).capitalize()} månad {period.year}".encode()


def _municipality_line(name: str) -> bytes:
    return f"Underlaget inlämnat av kommun: {name} kommun".encode()


_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")


class _Entry:
    __slots__ = ("info", "record")

    def __init__(self, info: zipfile.ZipInfo, record: bytes) -> None:
        self.info, self.record = info, record


def _entries(data: bytes) -> list[_Entry]:
    """Each zip entry's info and its local record (header and compressed data) as stored."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            sig, _v, flag, _m, _t, _d, _crc, _cs, _us, nlen, elen = _LOCAL.unpack_from(data, info.header_offset)
            if sig != b"PK\x03\x04" or flag & 0x08:
                raise ValueError("unexpected zip layout (data descriptor)")
            start = info.header_offset + _LOCAL.size + nlen + elen
            out.append(_Entry(info, data[info.header_offset:start + info.compress_size]))
    return out


def _splice(entries: Sequence[_Entry], name: str, content: bytes) -> bytes:
    """The zip with `name` replaced by `content` (deflated); every other entry copied as it is."""
    chunks: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for e in entries:
        info = e.info
        filename = info.filename.encode("utf-8")
        if info.filename == name:
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            packed = packer.compress(content) + packer.flush()
            crc, csize, usize = zlib.crc32(content), len(packed), len(content)
            dostime = info.date_time[3] << 11 | info.date_time[4] << 5 | info.date_time[5] // 2
            dosdate = (info.date_time[0] - 1980) << 9 | info.date_time[1] << 5 | info.date_time[2]
            record = _LOCAL.pack(b"PK\x03\x04", info.extract_version, info.flag_bits, zipfile.ZIP_DEFLATED,
                                 dostime, dosdate, crc, csize, usize, len(filename), 0) + filename + packed
        else:
            record = e.record
            _sig, _v, _f, _m, dostime, dosdate, crc, csize, usize, _n, _e = _LOCAL.unpack_from(record)
        central.append(_CENTRAL.pack(b"PK\x01\x02", info.create_version | info.create_system << 8,
                                     info.extract_version, info.flag_bits, info.compress_type, dostime, dosdate,
                                     crc, csize, usize, len(filename), 0, 0, 0, info.internal_attr,
                                     info.external_attr, offset) + filename)
        chunks.append(record)
        offset += len(record)
    directory = b"".join(central)
    end = _END.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), offset, 0)
    return b"".join(chunks) + directory + end


class FormFactory:
    """`variants` distinct filled-in .docx forms, relabelled for any municipality and month."""

    def __init__(self, variants: int = 300, form: FormSpec | None = None) -> None:
        self.form = form or default_form()
        self._bases: list[tuple[list[_Entry], bytes]] = []
        for i in range(variants):
            answers = sample_answers(self.form, f"variant-{i}", BASE_PERIOD, seed=i)
            data = template_docx(self.form, BASE_MUNICIPALITY, BASE_PERIOD, answers)
            entries = _entries(data)
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                document = zf.read("word/document.xml")
            for needle in (_period_line(BASE_PERIOD), _municipality_line(BASE_MUNICIPALITY)):
                if document.count(needle) != 1:
                    raise ValueError(f"the template no longer holds {needle!r} once")
            self._bases.append((entries, document))

    def __len__(self) -> int:
        return len(self._bases)

    def docx(self, municipality: str, period: Period, variant: int) -> bytes:
        """Variant `variant` (mod the number built) filled in for `municipality` and `period`."""
        entries, document = self._bases[variant % len(self._bases)]
        patched = document.replace(_period_line(BASE_PERIOD), _period_line(period)).replace(
            _municipality_line(BASE_MUNICIPALITY), _municipality_line(municipality))
        return _splice(entries, "word/document.xml", patched)


CLIENTS = ("outlook", "gmail", "apple", "mobile")


def form_mail(factory: FormFactory, municipality: str, period: Period, i: int, *, sender: str | None = None) -> bytes:
    """A municipality's monthly report as a mail client sends it, the form attached (varied by `i`)."""
    from tests.builders.mail import build_mail

    data = factory.docx(municipality, period, i)
    month = month_name(period.month)
    filename = f"Lägesbild {month} {period.year} {municipality}.docx"
    sender = sender or f"samordnare@{domain_of(municipality)}"
    return build_mail(sender, f"Lägesbild {month} {period.year}", "Hej!\n\nHär kommer månadens lägesbild.",
                      [(filename, data, DOCX_TYPE)], client=CLIENTS[i % len(CLIENTS)],
                      message_id=f"<bench-{i}-{slug(municipality)}-{period}@{domain_of(municipality)}>",
                      date=received_for(period, i).strftime("%a, %d %b %Y %H:%M:%S +0000"))


def received_for(period: Period, i: int) -> datetime:
    """When the report for `period` reached the mailbox: the last ten days of the month, one in
    eight in the first days of the next month (late)."""
    if i % 8 == 7:
        nxt = period.next()
        return datetime(nxt.year, nxt.month, 1 + i % 9, 9 + i % 8, i % 60, tzinfo=UTC)
    return datetime(period.year, period.month, 18 + i % 10, 7 + i % 10, i % 60, tzinfo=UTC)


def months(last: Period, count: int) -> list[Period]:
    """`count` months ending with `last`, oldest first."""
    out = [last]
    while len(out) < count:
        out.append(out[-1].previous())
    return out[::-1]


# --------------------------------------------------------------------------
# Maildir
# --------------------------------------------------------------------------


def make_maildir(path: Path) -> Path:
    """An empty Maildir (cur, new, tmp) at `path`."""
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    return path


def deliver(maildir: Path, raw: bytes, name: str, received: datetime) -> None:
    """Deliver like an MDA: write into tmp/, set the delivery time, rename into new/."""
    tmp = maildir / "tmp" / name
    with open(tmp, "wb") as fh:
        fh.write(raw)
    stamp = received.timestamp()
    os.utime(tmp, (stamp, stamp))
    os.rename(tmp, maildir / "new" / name)


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
