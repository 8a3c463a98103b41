"""Limits that keep a hostile or broken file from hurting the worker."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps applied to every file before and while it is read.

    A file over a cap is refused with an issue on `file`, never an exception.
    """

    max_file_bytes: int = 20 * 1024 * 1024
    max_unzipped_bytes: int = 100 * 1024 * 1024
    max_zip_entries: int = 2000
    max_compression_ratio: int = 200
    max_pdf_pages: int = 50
    max_sheet_cells: int = 200_000
    seconds_per_file: float = 20.0
    max_files_per_message: int = 20
    memory_bytes: int = 1024 * 1024 * 1024
    readers: int = 0  # reader processes that read files under these caps (0: one per core)


class Refused(Exception):
    """Raised inside a reader when a file breaks a limit or cannot be read.

    The message is Swedish and meant for the municipal coordinator; the parser
    entry point turns it into an `Issue` on `file`. It never leaves `parsers`.
    """
