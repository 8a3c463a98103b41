"""A Maildir as Postfix or Dovecot deliver it: the embedded mailbox.

A delivery agent writes a message into `tmp/` and renames it into `new/`;
a mail reader later renames it into `cur/` with flags after ":2,". Subfolders
follow Maildir++ as Dovecot lays them out: "Lägesbild/Behandlade" is the
directory ".L&AOQ-gesbild.Behandlade" (modified UTF-7, "." between levels),
holding its own cur/new/tmp and an empty `maildirfolder` marker. Moving a
message is one rename(2), so it is atomic and a crash never leaves two copies.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from imapclient import imap_utf7

from ground.errors import MailboxUnavailable
from ground.refs import MessageRef
from ingest.source import Folder, RawMail, too_big

_INFO = ":2,"  # separates a file's unique name from its flags (Maildir "info")
_POLL_SECONDS = 0.5
_DIR_MODE = 0o700


def folder_dirname(name: str) -> str:
    """The Maildir++ directory of an IMAP-style folder name, as Dovecot names it.

    "Lägesbild/Behandlade" -> ".L&AOQ-gesbild.Behandlade". A "/" separates
    levels; Maildir++ writes levels with ".", so a "." inside a name is a level too.
    """
    parts = [p for p in name.strip("/").split("/") if p]
    if not parts:
        raise ValueError(f"empty folder name: {name!r}")
    encoded: bytes = imap_utf7.encode(".".join(parts))
    return "." + encoded.decode("ascii")


def unique_name(filename: str) -> str:
    """The part of a Maildir file name that never changes: everything before ":2,"."""
    return filename.split(_INFO, 1)[0]


def _flags(filename: str) -> str:
    _, sep, flags = filename.partition(_INFO)
    return flags if sep else ""


class MaildirSource:
    """A MailSource over a local Maildir. UIDVALIDITY is 0; a UID is a file's unique name."""

    def __init__(self, path: Path, folders: dict[Folder, str], max_message_bytes: int | None = None) -> None:
        """`max_message_bytes`: a file bigger than this is not read (see `RawMail.park`)."""
        self._root = Path(os.path.abspath(path))
        self._folders = dict(folders)
        self._max_bytes = max_message_bytes
        # Names seen in new/ by the last list_refs(), so wait_for_new() notices
        # mail that arrived between that listing and the wait.
        self._listed_new: set[str] | None = None

    @property
    def name(self) -> str:
        """ "maildir:" and the Maildir's absolute path."""
        return f"maildir:{self._root}"

    @property
    def root(self) -> Path:
        """The Maildir's directory."""
        return self._root

    def list_refs(self) -> list[MessageRef]:
        """Every message in new/ and cur/ (never tmp/: still being written), oldest delivery first."""
        self._ensure_root()
        entries: list[tuple[float, str]] = []
        new_names: set[str] = set()
        try:
            for sub in ("new", "cur"):
                for entry in os.scandir(self._root / sub):
                    if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                        continue
                    try:
                        mtime = entry.stat(follow_symlinks=False).st_mtime
                    except FileNotFoundError:
                        continue  # moved away by another reader while we listed
                    entries.append((mtime, entry.name))
                    if sub == "new":
                        new_names.add(entry.name)
        except OSError as exc:
            raise MailboxUnavailable(f"cannot list Maildir {self._root}: {exc.strerror}") from exc
        self._listed_new = new_names
        entries.sort(key=lambda e: (e[0], unique_name(e[1])))
        seen: set[str] = set()
        refs: list[MessageRef] = []
        for _, filename in entries:
            uid = unique_name(filename)
            if uid not in seen:  # a rename new/ -> cur/ during the scan may show a file twice
                seen.add(uid)
                refs.append(MessageRef(self.name, 0, uid))
        return refs

    def fetch(self, refs: Sequence[MessageRef]) -> Iterator[RawMail]:
        """The bytes of each message still present; received_at is the file's delivery time (mtime).

        A file that cannot be read (its permissions, an I/O error) or is bigger
        than the cap comes back as a RawMail with a `problem`, so the worker
        records it in that message's own trap; the Maildir itself failing
        (listing new/ and cur/) still raises MailboxUnavailable.
        """
        for ref in refs:
            self._check_ref(ref)
            path = self._find(ref.uid)
            if path is None:
                continue  # already moved: the next listing will not show it either
            try:
                info = path.stat()
            except FileNotFoundError:
                continue
            except OSError as exc:  # no delivery time to give: the epoch says "unknown" without a clock
                yield RawMail(ref, b"", datetime.fromtimestamp(0, UTC),
                              problem=f"cannot read {path.name!r}: {exc.strerror}")
                continue
            received = datetime.fromtimestamp(info.st_mtime, UTC)
            if self._max_bytes is not None and info.st_size > self._max_bytes:
                # Not read at all: its size alone is known, from the file system.
                yield RawMail(ref, b"", received, problem=too_big(info.st_size, self._max_bytes), park=True,
                              size=info.st_size)
                continue
            try:
                with open(path, "rb") as fh:
                    raw = fh.read(self._max_bytes + 1 if self._max_bytes is not None else -1)
            except FileNotFoundError:
                continue
            except OSError as exc:
                yield RawMail(ref, b"", received, problem=f"cannot read {path.name!r}: {exc.strerror}")
                continue
            if self._max_bytes is not None and len(raw) > self._max_bytes:  # grew since the stat
                yield RawMail(ref, b"", received, problem=too_big(len(raw), self._max_bytes), park=True,
                              size=len(raw))
                continue
            yield RawMail(ref, raw, received, size=len(raw))

    def mark_done(self, ref: MessageRef, folder: Folder) -> None:
        """Rename the message into `folder`'s cur/, keeping its flags and adding S (seen)."""
        self._check_ref(ref)
        target_dir = self._ensure_folder(folder)
        source = self._find(ref.uid)
        if source is None:
            return  # already moved (by us before a crash, or by a person)
        flags = "".join(sorted(set(_flags(source.name)) | {"S"}))
        target = target_dir / "cur" / f"{ref.uid}{_INFO}{flags}"
        try:
            os.rename(source, target)
        except FileNotFoundError as exc:
            if source.exists():
                raise MailboxUnavailable(f"cannot move {source.name} to {target_dir.name}: "
                                         f"{exc.strerror}") from exc
            # The source vanished between _find and rename: someone moved it already.
        except OSError as exc:
            raise MailboxUnavailable(f"cannot move {source.name} to {target_dir.name}: {exc.strerror}") from exc

    def mark_done_many(self, moves: Sequence[tuple[MessageRef, Folder]]) -> None:
        """`mark_done` for each (a rename each: nothing to gain from grouping them)."""
        for ref, folder in moves:
            self.mark_done(ref, folder)

    def wait_for_new(self, timeout: float) -> bool:
        """Poll new/ every half second until a message not seen by the last list_refs() appears."""
        self._ensure_root()
        deadline = time.monotonic() + max(timeout, 0.0)
        known = self._listed_new if self._listed_new is not None else set()
        while True:
            try:
                names = {n for n in os.listdir(self._root / "new") if not n.startswith(".")}
            except OSError as exc:
                raise MailboxUnavailable(f"cannot watch Maildir {self._root}: {exc.strerror}") from exc
            if names - known:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(_POLL_SECONDS, remaining))

    def close(self) -> None:
        """Nothing to release: every call opens and closes its own files."""

    # -- helpers ---------------------------------------------------------

    def _check_ref(self, ref: MessageRef) -> None:
        if ref.mailbox != self.name:
            raise ValueError(f"message {ref.uid} belongs to {ref.mailbox}, not {self.name}")
        if "/" in ref.uid or ref.uid in ("", ".", ".."):
            raise ValueError(f"not a Maildir unique name: {ref.uid!r}")

    def _find(self, uid: str) -> Path | None:
        """The current file of `uid` in new/ or cur/ (its flags may have changed since listing)."""
        direct = self._root / "new" / uid
        if direct.is_file():
            return direct
        prefix = uid + _INFO
        try:
            for entry in os.scandir(self._root / "cur"):
                if entry.name == uid or entry.name.startswith(prefix):
                    return Path(entry.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise MailboxUnavailable(f"cannot list Maildir {self._root}: {exc.strerror}") from exc
        return None

    def _ensure_root(self) -> None:
        _make_maildir(self._root)

    def _ensure_folder(self, folder: Folder) -> Path:
        name = self._folders.get(folder)
        if name is None:
            raise ValueError(f"no mailbox folder configured for {folder.value}")
        self._ensure_root()
        path = self._root / folder_dirname(name)
        _make_maildir(path)
        marker = path / "maildirfolder"
        if not marker.exists():
            try:
                marker.touch(mode=0o600)
            except OSError as exc:
                raise MailboxUnavailable(f"cannot create {marker}: {exc.strerror}") from exc
        return path


def _make_maildir(path: Path) -> None:
    """Create `path` with cur/, new/ and tmp/ (owner only) unless they exist."""
    for d in (path, path / "cur", path / "new", path / "tmp"):
        if d.is_dir():
            continue
        try:
            os.makedirs(d, _DIR_MODE, exist_ok=True)
        except OSError as exc:
            raise MailboxUnavailable(f"cannot create Maildir {d}: {exc.strerror or exc}") from exc
