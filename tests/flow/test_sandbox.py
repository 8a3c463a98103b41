"""Reading a file in a child process with time and memory caps."""

from __future__ import annotations

import dataclasses
import io
import random
import string
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from flow import sandbox
from flow.sandbox import ParserCrashed, ReaderPool, parse_isolated
from lagesbild.samples import sample_answers, template_docx
from parsers.form import default_form
from parsers.limits import Limits
from parsers.result import Period

FORM = default_form()
PERIOD = Period(2026, 10)


def _docx() -> bytes:
    return template_docx(FORM, "Mora", PERIOD, sample_answers(FORM, "Mora", PERIOD))


def test_isolated_result_equals_the_in_process_one() -> None:
    result = parse_isolated(_docx(), "Mora.docx", FORM, Limits())
    assert result.municipality == "Mora"
    assert result.period == PERIOD
    assert {n: a.impact for n, a in result.answers.items()} == {
        n: a.impact for n, a in sample_answers(FORM, "Mora", PERIOD).items()
    }


def test_a_file_over_the_time_limit_is_refused_with_a_file_error() -> None:
    limits = dataclasses.replace(Limits(), seconds_per_file=0.0005)
    # A file no reader has seen and that takes far longer than the limit to read (a form read
    # before can come back from the reader's caches within the limit).
    result = parse_isolated(_big_docx(2000), "Mora.docx", FORM, limits)
    assert result.unreadable
    assert "för lång tid" in result.issues[0].message
    assert all(a.impact is None and a.comment == "" for a in result.answers.values())


def _virtual_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmSize in /proc/self/status")


def _big_docx(paragraphs: int) -> bytes:
    """A valid .docx whose text needs far more than 32 MB to hold (not compressible enough to be a bomb)."""
    rng = random.Random(7)
    words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9))) for _ in range(5000)]
    body = "".join(
        f"<w:p><w:r><w:t>{' '.join(rng.choice(words) for _ in range(30))}</w:t></w:r></w:p>" for _ in range(paragraphs)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", RELS)
        zf.writestr("word/document.xml", f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>')
    return out.getvalue()


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


_MEMORY_CHECK = """
import dataclasses, sys
import pytest

from flow import sandbox
from flow.sandbox import ParserCrashed, ReaderPool, parse_isolated
from parsers.form import default_form
from parsers.limits import Limits
from tests.flow.test_sandbox import _big_docx, _virtual_size
data = _big_docx(120_000)  # about 24 MB of text
limits = dataclasses.replace(Limits(), memory_bytes=_virtual_size() + 32 * 1024 * 1024,
                             max_file_bytes=200 * 1024 * 1024, seconds_per_file=120)
result = parse_isolated(data, "stor.docx", default_form(), limits)
print("unreadable" if result.unreadable else "read", result.issues[0].message if result.issues else "")
"""


def test_a_file_over_the_memory_limit_is_refused_with_a_file_error() -> None:
    # A fresh interpreter: a long-lived test process may hold freed heap the
    # forked child could reuse without growing, which would hide the cap.
    done = subprocess.run([sys.executable, "-c", _MEMORY_CHECK], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("unreadable"), done.stdout
    assert "minne" in done.stdout


# ---------------------------------------------------------------- the reader pool


def _reader_pids(pool: ReaderPool) -> set[int]:
    return {r.process.pid for r in pool._readers}


def test_readers_are_reused_across_files_and_answer_in_any_order_asked() -> None:
    pool = ReaderPool(Limits().memory_bytes, workers=2)
    try:
        names = ["Mora", "Falun", "Leksand", "Rättvik", "Orsa"]
        files = [template_docx(FORM, n, PERIOD, sample_answers(FORM, n, PERIOD)) for n in names]
        handles = [pool.submit(data, f"{n}.docx", FORM, Limits()) for n, data in zip(names, files, strict=True)]
        readers = _reader_pids(pool)
        assert len(readers) == 2, "both readers start at once for work waiting"
        results = [handles[i]() for i in (4, 0, 3, 1, 2)]  # asked for out of order
        assert [r.municipality for r in results] == ["Orsa", "Mora", "Rättvik", "Falun", "Leksand"]
        assert _reader_pids(pool) == readers, "a reader was replaced without cause"
    finally:
        pool.close()
    assert not pool._readers


def test_a_reader_done_with_a_file_takes_the_next_one_submitted_before_its_result_is_asked_for() -> None:
    """The ingest loop submits the next mails' forms long before it asks for the last result: the one
    reader must not sit on a finished file meanwhile (nor a second reader start for nothing)."""
    pool = ReaderPool(Limits().memory_bytes, workers=1)
    try:
        first = pool.submit(_docx(), "Mora.docx", FORM, Limits())
        [reader] = pool._readers
        assert reader.conn.poll(30), "the reader never finished the first file"
        second = pool.submit(_docx(), "Mora.docx", FORM, Limits())
        assert reader.ticket == second.ticket, "the finished file was not collected, the next not handed over"
        assert pool._readers == [reader]
        assert first().municipality == second().municipality == "Mora"
    finally:
        pool.close()


def test_a_reader_over_its_time_is_killed_and_replaced_and_the_next_file_reads() -> None:
    pool = ReaderPool(Limits().memory_bytes, workers=1)
    try:
        slow = dataclasses.replace(Limits(), seconds_per_file=0.0005)
        timed_out = pool.parse(_docx(), "Mora.docx", FORM, slow)
        assert timed_out.unreadable and "för lång tid" in timed_out.issues[0].message
        first = pool._readers[0].process if pool._readers else None
        result = pool.parse(_docx(), "Mora.docx", FORM, Limits())
        assert result.municipality == "Mora" and not result.unreadable
        assert first is None or not first.is_alive()
    finally:
        pool.close()


def test_a_reader_that_dies_mid_file_gives_a_file_error_and_the_pool_goes_on() -> None:
    pool = ReaderPool(Limits().memory_bytes, workers=1)
    try:
        pool.parse(_docx(), "Mora.docx", FORM, Limits())  # a reader is up
        handle = pool.submit(_big_docx(40_000), "stor.docx", FORM, Limits())
        reader = pool._readers[0]
        reader.process.kill()  # as the kernel's OOM killer would
        died = handle()
        assert died.unreadable and "minne" in died.issues[0].message
        assert pool.parse(_docx(), "Mora.docx", FORM, Limits()).municipality == "Mora"
        assert reader not in pool._readers
    finally:
        pool.close()


def test_a_cancelled_file_is_never_delivered_and_leaves_nothing_behind() -> None:
    pool = ReaderPool(Limits().memory_bytes, workers=1)
    try:
        running = pool.submit(_docx(), "a.docx", FORM, Limits())
        queued = pool.submit(_docx(), "b.docx", FORM, Limits())
        queued.cancel()
        running.cancel()
        assert pool.parse(_docx(), "Mora.docx", FORM, Limits()).municipality == "Mora"
        assert not pool._results and not pool._queue and not pool._dropped and not pool._forms
        with pytest.raises(ValueError, match="cancelled"):
            queued()  # asking for a cancelled file is a mistake, not a wait forever
    finally:
        pool.close()


def test_a_reader_is_replaced_after_its_share_of_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "RECYCLE_AFTER", 2)
    pool = ReaderPool(Limits().memory_bytes, workers=1)
    try:
        seen = []
        for _ in range(5):
            pool.parse(_docx(), "Mora.docx", FORM, Limits())
            seen.append(_reader_pids(pool))
        assert len(set().union(*seen)) == 3, "five files at two a reader need three readers"
        assert seen[1] == set() and seen[0] != seen[2] != seen[4], "a reader stops as soon as it served two files"
    finally:
        pool.close()


def test_a_parser_crash_is_raised_for_that_file_only() -> None:
    pool = ReaderPool(Limits().memory_bytes, workers=1)
    try:
        broken = dataclasses.replace(FORM, questions=None)  # type: ignore[arg-type] # the parser's own fault
        with pytest.raises(ParserCrashed):
            pool.parse(_docx(), "Mora.docx", broken, Limits())
        assert pool.parse(_docx(), "Mora.docx", FORM, Limits()).municipality == "Mora"
    finally:
        pool.close()


def test_the_number_of_readers_follows_the_configuration(tmp_path: Path) -> None:
    from flow.sandbox import cpu_count, parse_isolated
    from lagesbild.config import load_config

    path = tmp_path / "config.toml"
    path.write_text("[parsing]\nreaders = 1\n", encoding="utf-8")
    limits = load_config(path).limits
    assert limits.readers == 1
    assert parse_isolated.pool(limits).workers == 1
    assert parse_isolated.pool(Limits()).workers == cpu_count()
    assert parse_isolated.pool(limits) is parse_isolated.pool(dataclasses.replace(Limits(), readers=1))
