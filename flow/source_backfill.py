"""Where the values of versions filed before sources were kept (migration 0007) were read from.

Each such version's stored message is read again with the same pure parsers,
on the same reader pool with the same time and memory caps as on arrival (a
stored file that breaks a cap or crashes its reader leaves its versions as
they were, with a log line; the others are done). A value gets the source the
re-reading gives only when the re-read answer, under the text rule filing
applies (`flow.filing.screen_text_of`), has the very impact and comment
stored; an answer that reads differently now gets none. A version county staff
made by correcting a value gets what a correction made today gets: the
correction (who and why) for the value it changed, the version before's
sources for the others; a corrected value is never given a file's source.

A value read from a spreadsheet before cells were named (64f46c6) has a source
naming only its sheet ('blad "Svar"'). The same pass, over those versions,
gives it the source naming the cell ('blad "Svar", cell C12') where the
re-read answer is exactly the one stored and its place is in that sheet; a
correction's unchanged value takes the version before's, as a correction
does. A value read across a row still names no cell: it stays as it was (and
its version is read again by the next run, as one whose answer reads
differently now is).

A version whose mail the retention job purged (`[retention] raw_message_days`)
has nothing left to read: it is counted, not skipped as an error, and not
read again by the next run (the purge leaves the message's size 0, which the
store's query leaves out).

Only values without a source are filled, and each version is committed on its
own: a run stopped half-way goes on where it stopped, and a second run
changes nothing. The versions are taken a page at a time and each message's
bytes one at a time, so memory stays bounded however long the history.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from flow.decide import ParsedFile, content_hash
from flow.filing import screen_text_of
from flow.operations import IMPORT_MAILBOX
from flow.reading import Parse, read_ahead
from flow.sandbox import parse_isolated
from flow.settings import Config
from ground.errors import StoreUnavailable
from ground.refs import MessageRef
from ingest.source import RawMail
from outputs.safe_text import masked_ids
from parsers.result import Answer, Source
from store import repo, sources
from store.db import read_transaction, transaction

_log = logging.getLogger(__name__)

_NO_ARRIVAL = datetime(1970, 1, 1, tzinfo=UTC)  # a re-reading needs no arrival time; RawMail holds one
_PAGE = 100  # versions looked at per read of the store
Found = dict[int, tuple[Source | None, Source | None]]  # question -> (impact's source, comment's source)


@dataclass(slots=True)
class BackfillReport:
    """What a run did: versions without sources looked at, given sources, and left as they were (why)."""

    versions: int = 0
    filled: int = 0  # versions given at least one source
    values: int = 0  # values given a source
    differing: int = 0  # answers whose re-reading differs from what is stored (no source given)
    skipped: list[str] = field(default_factory=list)  # "version <id> (<municipality> <period>): why"
    purged: int = 0  # versions whose mail the retention rule purged: nothing to read, not an error
    sheet_versions: int = 0  # versions with a value whose source names a sheet without its cell
    celled: int = 0  # of those, versions given at least one cell
    cells: int = 0  # values whose source now names its cell
    no_cell: int = 0  # values whose re-reading names no cell either (a row read across): left as they were
    cell_differing: int = 0  # values whose re-reading differs from what is stored (left as they were)


@dataclass(slots=True)
class _Unit:
    """Versions handled together: those of one stored message (read once), or one correction."""

    versions: list[sources.StoredVersion]

    @property
    def first(self) -> sources.StoredVersion:
        return self.versions[0]

    @property
    def rereads_mail(self) -> bool:
        return self.first.corrected_by is None and self.first.mailbox != IMPORT_MAILBOX


Apply = Callable[[Engine, sources.StoredVersion, list[ParsedFile] | None, Config, BackfillReport], None]


@dataclass(frozen=True, slots=True)
class _Pass:
    """One kind of version the backfill completes: how the store finds them, what is done with one read
    again (or, for a correction, with None), and where they are counted."""

    select: Callable[[Session, str, int, int], list[sources.StoredVersion]]
    apply: Apply
    count: Callable[[BackfillReport, int], None]


def backfill_sources(engine: Engine, config: Config, now: datetime, parse: Parse = parse_isolated) -> BackfillReport:
    """Give the county's versions that have no source at all the sources a filing today would give them,
    and a value whose source names a sheet without its cell (filed before cells were named) its cell where
    it still reads as stored (`name_cells`).

    Raises StoreUnavailable when the store goes away (what was committed stays; run it again).
    """
    report = BackfillReport()
    for kind in (_Pass(sources.unsourced_versions, _file, _count_unsourced),
                 _Pass(sources.sheet_sourced_versions, name_cells, _count_sheets)):
        after = 0
        while True:
            with read_transaction(engine) as s:
                page = kind.select(s, config.county.code, after, _PAGE)
            if not page:
                break
            after = page[-1].id
            _page(engine, config, page, parse, report, kind)
    with read_transaction(engine) as s:
        report.purged = sources.count_purged(s, config.county.code)
    if report.values or report.cells:
        with transaction(engine) as s:
            repo.audit(s, None, "sources_backfilled",
                       f"{report.versions} versioner utan källor lästa om: {report.filled} fick källor "
                       f"({report.values} värden), {report.differing} svar lästes annorlunda, "
                       f"{len(report.skipped)} hoppades över; {report.celled} av {report.sheet_versions} "
                       f"versioner med blad utan cell fick cellen ({report.cells} värden); {report.purged} "
                       "versioner utan sparat original (rensat enligt gallringsregeln)", now,
                       county=config.county.code)
    return report


def _count_unsourced(report: BackfillReport, versions: int) -> None:
    report.versions += versions


def _count_sheets(report: BackfillReport, versions: int) -> None:
    report.sheet_versions += versions


def _units(page: list[sources.StoredVersion]) -> list[_Unit]:
    units: list[_Unit] = []
    for version in page:
        last = units[-1] if units else None
        if (last is not None and last.rereads_mail and version.corrected_by is None
                and last.first.raw_message_id == version.raw_message_id):
            last.versions.append(version)  # one message with several forms: read it once
        else:
            units.append(_Unit([version]))
    return units


def _page(engine: Engine, config: Config, page: list[sources.StoredVersion], parse: Parse,
          report: BackfillReport, kind: _Pass) -> None:
    units = _units(page)

    def stored_mail() -> Iterator[RawMail]:
        for unit in units:
            if unit.rereads_mail:
                with read_transaction(engine) as s:
                    raw = repo.get_raw(s, unit.first.raw_message_id)
                ref = MessageRef("kept", 0, str(unit.first.raw_message_id))
                yield RawMail(ref, raw or b"", _NO_ARRIVAL, "" if raw else "the message's bytes were not kept")

    readings = read_ahead(stored_mail(), config, parse)
    try:  # a generator: closing it stops reading what is left
        for unit in units:
            kind.count(report, len(unit.versions))
            if unit.first.corrected_by is not None:
                kind.apply(engine, unit.first, None, config, report)
                continue
            if unit.rereads_mail:
                reading = next(readings)
                try:
                    files = reading.files()
                except StoreUnavailable:
                    raise
                except Exception as exc:  # noqa: BLE001 - one stored message must not stop the others
                    _skip(report, unit.versions, f"the stored message could not be read: {type(exc).__name__}: {exc}")
                    continue
                finally:
                    reading.discard()
            else:
                imported = _read_import(engine, config, unit.first, parse, report)
                if imported is None:
                    continue
                files = imported
            for version in unit.versions:
                kind.apply(engine, version, files, config, report)
    finally:
        close = getattr(readings, "close", None)
        if close is not None:
            close()


def _read_import(engine: Engine, config: Config, version: sources.StoredVersion, parse: Parse,
                 report: BackfillReport) -> list[ParsedFile] | None:
    """A form filed by hand: its kept bytes are the file."""
    with read_transaction(engine) as s:
        data = repo.get_raw(s, version.raw_message_id)
    if not data:
        _skip(report, [version], "the imported file's bytes were not kept")
        return None
    try:
        return [ParsedFile(version.filename, parse(data, version.filename, config.county.form, config.limits))]
    except StoreUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - one stored file must not stop the others
        _skip(report, [version], f"the imported file could not be read: {type(exc).__name__}: {exc}")
        return None


def _file(engine: Engine, version: sources.StoredVersion, files: list[ParsedFile] | None, config: Config,
          report: BackfillReport) -> None:
    """Work out and store one version's sources, in a transaction of its own."""
    with transaction(engine) as s:
        if files is None:
            prior = sources.version_with_sources(s, config.county.code, version.municipality, version.period,
                                                 version.version - 1)
            found: Found | str = ("no version before the correction" if prior is None
                                  else corrected_sources(version, prior))
        else:
            found = reread_sources(version, files, config, report)
        if isinstance(found, str):
            _skip(report, [version], found)
            return
        given = sources.fill_sources(s, version.id, found)
    if given:
        report.filled += 1
        report.values += given


def corrected_sources(version: sources.StoredVersion, prior: dict[int, Answer]) -> Found:
    """A correction's sources as `flow.correction` gives them: who and why for a changed value, the
    version before's sources for the values it left as they were."""
    by = Source.correction(version.corrected_by or "", version.correction_reason or "")
    found: Found = {}
    for number, after in version.answers.items():
        before = prior.get(number, Answer(None, ""))
        found[number] = (by if before.impact != after.impact else before.impact_source,
                         by if before.comment != after.comment else before.comment_source)
    return found


def reread_sources(version: sources.StoredVersion, files: list[ParsedFile], config: Config,
                   report: BackfillReport) -> Found | str:
    """The sources the file `version` was read from gives again, for the answers it still reads the same;
    a reason (English, for the log) when the file is not in the message or cannot be read now."""
    screened = reread_answers(version, files, config)
    if isinstance(screened, str):
        return screened
    found: Found = {}
    for number, stored in version.answers.items():
        read = screened.get(number)
        if read is None or read.impact != stored.impact or read.comment != stored.comment:
            report.differing += 1  # not what is stored (a newer reading, a changed parser): no source
            continue
        found[number] = (read.impact_source, read.comment_source)
    return found


def reread_answers(version: sources.StoredVersion, files: list[ParsedFile], config: Config) -> dict[int, Answer] | str:
    """The answers, with their sources and under the filing's text rule, of the file `version` was read from
    as read again; a reason (English, for the log) when it is not in the message or cannot be read now."""
    named = [p for p in files if masked_ids(p.filename) == version.filename]
    if len(named) > 1:
        named = [p for p in named if content_hash(p.result) == version.content_hash]
    if not named:
        return f"no file {version.filename!r} in the stored message now"
    if len(named) > 1:
        return f"several files {version.filename!r} in the stored message read alike"
    result = named[0].result
    if result.unreadable:
        return "the file could not be read now: " + " ".join(i.message for i in result.issues_for("file"))
    screened, _ = screen_text_of(dict(result.answers), config.county.form)
    return screened


def name_cells(engine: Engine, version: sources.StoredVersion, files: list[ParsedFile] | None, config: Config,
               report: BackfillReport) -> None:
    """Give `version`'s values whose source names a sheet without its cell the source naming the cell, where
    the file read again (`files`) still gives the very answer stored and names a cell of that sheet; for a
    correction (`files` None), the source the version before now has for a value it left unchanged.
    In a transaction of its own; a value that changed meanwhile is left alone (`sources.replace_sources`)."""
    with transaction(engine) as s:
        if files is None:
            read: dict[int, Answer] | str | None = sources.version_with_sources(
                s, config.county.code, version.municipality, version.period, version.version - 1)
            read = "no version before the correction" if read is None else read
        else:
            read = reread_answers(version, files, config)
        if isinstance(read, str):
            _skip(report, [version], read)
            return
        changed = sources.replace_sources(s, version.id, cell_changes(version, read, report))
    if changed:
        report.celled += 1
        report.cells += changed




def cell_changes(version: sources.StoredVersion, read: dict[int, Answer],
                 report: BackfillReport) -> dict[int, tuple[sources.SourceChange, sources.SourceChange]]:
    """Per question, which of `version`'s sheet sources without a cell `read` (the same answers read again,
    with their sources) names the cell of: a value (the impact, the comment) only where it reads exactly
    as stored and its new place is in the same sheet ('blad "Svar"' -> 'blad "Svar", cell C12')."""
    changes: dict[int, tuple[sources.SourceChange, sources.SourceChange]] = {}
    for number, stored in version.answers.items():
        again = read.get(number, Answer(None, ""))
        pair: list[sources.SourceChange] = []
        for old, new, same in ((stored.impact_source, again.impact_source, again.impact == stored.impact),
                               (stored.comment_source, again.comment_source, again.comment == stored.comment)):
            if old is None or not sources.is_sheet_without_cell(old):
                pair.append(None)
            elif not same:
                report.cell_differing += 1  # not what is stored now: its source stays as it was
                pair.append(None)
            elif new is not None and new.place.startswith(old.place + ", "):
                pair.append((old, new))
            else:
                report.no_cell += 1  # read from a whole row, or no longer from this sheet
                pair.append(None)
        if pair[0] is not None or pair[1] is not None:
            changes[number] = (pair[0], pair[1])
    return changes


def _skip(report: BackfillReport, versions: list[sources.StoredVersion], why: str) -> None:
    for v in versions:
        line = f"version {v.id} ({v.municipality} {v.period}, {v.filename or 'utan filnamn'}): {why}"
        report.skipped.append(line)
        _log.warning("sources not restored for %s", line)
