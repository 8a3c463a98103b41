"""The file:DIR transport: one .eml per message, written atomically and readable by the owner only."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from outputs.outbox import TemporarySendError, check_envelope


class FileTransport:
    """Writes each message to DIR as one `<utc-timestamp>-<hash>.eml`, owner-only (0600).

    The bytes are written to a hidden temporary name that does not end in
    .eml, flushed to disk, then linked to the final name, so a reader of DIR
    never sees half a message and never sees one twice. Envelope sender and
    recipients are not written: the headers say who the message is for.
    """

    def __init__(self, directory: str | Path, *, clock: Callable[[], datetime] | None = None) -> None:
        self.directory = Path(directory)
        self._clock = clock or (lambda: datetime.now(UTC))

    def send(self, message_bytes: bytes, sender: str, recipients: list[str]) -> None:
        check_envelope(sender, recipients)
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._write(message_bytes)
        except OSError as exc:
            raise TemporarySendError(f"cannot write to outbox folder {self.directory}: {exc.strerror or exc}") from exc

    def _write(self, data: bytes) -> Path:
        stamp = self._clock().astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        digest = hashlib.sha256(data).hexdigest()[:12]
        tmp = self.directory / f".{stamp}-{digest}.{os.getpid()}.{threading.get_ident()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            final = self._publish(tmp, f"{stamp}-{digest}")
        finally:
            tmp.unlink(missing_ok=True)
        self._fsync_directory()
        return final

    def _publish(self, tmp: Path, stem: str) -> Path:
        # os.link fails instead of overwriting, so two sends of the same bytes
        # in the same microsecond still give two files.
        for n in range(1000):
            final = self.directory / (f"{stem}.eml" if n == 0 else f"{stem}-{n}.eml")
            try:
                os.link(tmp, final)
                return final
            except FileExistsError:
                continue
        raise FileExistsError(f"no free file name for {stem}")

    def _fsync_directory(self) -> None:
        try:
            fd = os.open(self.directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass  # some file systems cannot fsync a directory; the file itself is synced
        finally:
            os.close(fd)
