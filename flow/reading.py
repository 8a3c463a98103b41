"""Reading one message ahead of its handling: its MIME parts, and its forms parsed in the parser pool.

`read_ahead` keeps the pool busy while the batch before is being filed, within
`BATCH_BYTES` of mail held at once.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from flow.decide import ParsedFile
from flow.sandbox import Pending, cpu_count, parse_isolated
from flow.settings import Config
from flow.threads import answers_us, new_text
from ground.errors import MessageUnreadable
from ingest.message import MailMessage, read_message
from ingest.source import RawMail
from parsers import blank_result
from parsers.form import FormSpec
from parsers.limits import Limits
from parsers.result import Format, Issue, ParseResult

_log = logging.getLogger(__name__)

Parse = Callable[[bytes, str, FormSpec, Limits], ParseResult]

BATCH_BYTES = 32 * 1024 * 1024  # mail held at once by one batch, and by the messages read ahead of it


def parse_message(message: MailMessage, config: Config, parse: Parse = parse_isolated) -> list[ParsedFile]:
    """Parse every attachment; when there is none, the body (a form pasted into the mail)."""
    return start_parsing(message, config, parse)()


def start_parsing(message: MailMessage, config: Config, parse: Parse = parse_isolated) -> FormsBeingRead:
    """Start reading the message's forms (on the reader pool: at once, on other cores); calling the
    result waits for them and gives what `parse_message` gives. A plain Parse function reads when called."""
    form, limits = config.county.form, config.limits
    cap = limits.max_files_per_message
    submit = getattr(parse, "submit", None)

    def start(data: bytes, filename: str) -> Callable[[], ParseResult]:
        if submit is not None:
            handle: Callable[[], ParseResult] = submit(data, filename, form, limits)
            return handle
        return lambda: parse(data, filename, form, limits)

    files = [(a.filename, start(a.content, a.filename)) for a in message.attachments[:cap]]
    body = None
    text = message.body_text
    if not files and answers_us(message, config):
        # A reply quotes the mail it answers, and a receipt lists every answer: read as a form, the
        # quote would be filed as the sender's report. Only what the sender wrote above it can be one.
        text = new_text(text, limit=len(text))
    if not files and text.strip():
        body = start(text.encode("utf-8"), "meddelandetext.txt")
    skipped = [a.filename for a in message.attachments[cap:]]
    return FormsBeingRead(files, body, skipped, form, cap)


@dataclass(slots=True)
class FormsBeingRead:
    """A message's forms as they are read: call it to wait for them; `cancel()` when they are not wanted."""

    files: list[tuple[str, Callable[[], ParseResult]]]
    body: Callable[[], ParseResult] | None  # the mail's text, read when it has no attachment
    skipped: list[str]  # attachments over [parsing] max_files_per_message
    form: FormSpec
    cap: int

    def __call__(self) -> list[ParsedFile]:
        parsed = [ParsedFile(name, handle()) for name, handle in self.files]
        for filename in self.skipped:
            # Not read at all: one message must not hold the worker for long.
            note = Issue.error("file", f"Meddelandet har fler än {self.cap} bilagor; den här lästes inte. "
                                       "Skicka lägesbilden i ett eget meddelande.")
            parsed.append(ParsedFile(filename, blank_result(self.form, Format.UNKNOWN, [note])))
        if self.body is not None:
            result = self.body()
            if not result.unreadable:
                parsed.append(ParsedFile("meddelandetext", result, from_body=True))
        return parsed

    def cancel(self) -> None:
        handles = [h for _, h in self.files] + ([self.body] if self.body is not None else [])
        for handle in handles:
            if isinstance(handle, Pending):
                handle.cancel()


@dataclass(slots=True)
class Reading:
    """A message read from its bytes, its forms being read: `files()` waits for them.

    Either may raise (a message the mail reader chokes on, a parser crash);
    `handle_message` calls both inside the per-message trap."""

    raw: RawMail
    _message: MailMessage | None = None
    _error: Exception | None = None
    _files: FormsBeingRead | None = None
    _sha256: str = ""
    _parsed: list[ParsedFile] | None = None
    _files_error: Exception | None = None
    started: float = field(default_factory=time.monotonic)  # when reading began (for the log and the metrics)
    read_seconds: float | None = None  # from `started` until its forms were read

    def message(self) -> MailMessage:
        if self._error is not None:
            raise self._error
        assert self._message is not None
        return self._message

    def files(self) -> list[ParsedFile]:
        self.message()
        if self._parsed is None and self._files_error is None:
            assert self._files is not None, "the forms were discarded before they were asked for"
            files, self._files = self._files, None
            try:
                self._parsed = files()
                self.read_seconds = time.monotonic() - self.started
                self._message = _without_contents(self._message)
            except Exception as exc:  # noqa: BLE001 - kept: asked again, it raises again (a parser crash)
                self._files_error = exc
        if self._files_error is not None:
            raise self._files_error
        assert self._parsed is not None
        return self._parsed

    def sha256(self) -> str:
        """The SHA-256 of the message's bytes (computed once)."""
        if not self._sha256:
            self._sha256 = hashlib.sha256(self.raw.raw).hexdigest()
        return self._sha256

    def content_key(self) -> tuple[str | None, str] | None:
        """(Message-ID, SHA-256): what makes two mails copies of each other; None when unreadable."""
        if self._message is None:
            return None
        return self._message.message_id, self.sha256()

    def discard(self) -> None:
        """The forms will not be asked for (a copy of a handled mail, a failure): stop reading them."""
        if self._files is not None:
            self._files.cancel()
            self._files = None


def _without_contents(message: MailMessage | None) -> MailMessage | None:
    """`message` with its files' bytes let go: once its forms are read nothing in the handling needs them,
    and a message near `max_message_mb` would otherwise hold them while its raw bytes are stored."""
    if message is None or not message.attachments:
        return message
    return replace(message, attachments=tuple(replace(a, content=b"") for a in message.attachments))


def start_reading(raw: RawMail, config: Config, parse: Parse = parse_isolated) -> Reading:
    """Read the message and start reading its forms; never raises (see Reading)."""
    if raw.problem:
        return Reading(raw, None, MessageUnreadable(raw.problem))
    try:
        message = read_message(raw.raw)
        return Reading(raw, message, None, start_parsing(message, config, parse))
    except Exception as exc:  # noqa: BLE001 - kept for the message's own trap
        return Reading(raw, None, exc)


def read_ahead(raws: Iterable[RawMail], config: Config, parse: Parse = parse_isolated,
               window: int | None = None, max_bytes: int = BATCH_BYTES) -> Iterator[Reading]:
    """The messages in order, each one's forms started `window` messages before it is wanted
    (fewer when the messages waiting hold over `max_bytes` of mail).

    With the reader pool the forms of the next messages are read on the other
    cores while the caller files the current one (or, in a batch, the current
    batch); nothing is claimed or recorded here, so a crash loses only
    reading work.
    """
    readers = config.limits.readers or cpu_count()
    reading_ahead = hasattr(parse, "submit")
    ahead = window if window is not None and reading_ahead else (2 * readers if reading_ahead else 0)
    pending: deque[Reading] = deque()
    held = 0
    try:
        for raw in raws:
            pending.append(start_reading(raw, config, parse))
            held += len(raw.raw)
            while len(pending) > ahead or (held > max_bytes and len(pending) > 1):
                held -= len(pending[0].raw.raw)
                yield pending.popleft()
        while pending:
            yield pending.popleft()
    finally:  # the caller stopped early (the mailbox went away): stop reading what is left
        for reading in pending:
            reading.discard()


Progress = Callable[[int, int], None]  # (done, total): for a progress bar on long runs
