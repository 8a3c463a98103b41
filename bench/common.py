"""What the benchmarks share: a national configuration, cheap form mail and Maildir delivery (figures: measure.py).

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
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Mapping, Sequence
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


def counties_with_a_cycle(store_url: str) -> set[str]:
    """The county codes for which a running worker has written its heartbeat (a finished ingest cycle)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(store_url)
    try:
        with engine.connect() as conn:
            return {str(row[0]) for row in conn.execute(text("SELECT DISTINCT county FROM worker_cycle"))}
    except Exception:  # noqa: BLE001 - not migrated yet: no worker has started
        return set()
    finally:
        engine.dispose()
