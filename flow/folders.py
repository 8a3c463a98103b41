"""Where a handled message goes in the mailbox, by what became of it."""

from __future__ import annotations

from ingest.source import Folder
from store.outcome import Outcome

FOLDER_FOR: dict[Outcome, Folder] = {
    Outcome.STORED: Folder.PROCESSED,
    Outcome.CORRECTION: Folder.PROCESSED,
    Outcome.DUPLICATE: Folder.PROCESSED,
    Outcome.REJECTED: Folder.PROCESSED,
    Outcome.IGNORED: Folder.IGNORED,
    Outcome.QUARANTINED: Folder.QUARANTINE,
    Outcome.FAILED: Folder.ERROR,
    Outcome.DROPPED: Folder.QUARANTINE,
    Outcome.FORWARDED: Folder.PROCESSED,
}
