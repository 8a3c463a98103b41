"""Opening a hostile zip: its central directory checked before anything is inflated, members read within their sizes."""

from __future__ import annotations

import io
import lzma
import struct
import zipfile
import zlib
from collections.abc import Generator

from parsers.limits import Limits, Refused

PASSWORD_MESSAGE = (
    "Filen är lösenordsskyddad och kan därför inte läsas. "
    "Ta bort lösenordet (öppna filen, välj Arkiv > Info > Skydda dokument) och skicka igen."
)
CORRUPT_MESSAGE = (
    "Filen är skadad och kunde inte öppnas (den kan ha blivit avkortad när den skickades). "
    "Öppna den, spara den på nytt och skicka igen."
)
BOMB_MESSAGE = (
    "Filen innehåller en del som packas upp till en orimlig storlek (en möjlig zip-bomb) "
    "och läses därför inte. Spara dokumentet på nytt och skicka igen."
)
SIZE_MISMATCH_MESSAGE = (
    "Filen är skadad: en del i den har fel storlek eller kontrollsumma. Spara den på nytt och skicka igen."
)


_COMPRESSION_MESSAGE = (
    "Filen är packad på ett sätt som inte stöds. Spara dokumentet på nytt i Word, Excel "
    "eller LibreOffice och skicka igen."
)

# A member must be both this large and this compressed to count as a bomb;
# small parts of repetitive XML legitimately compress very well.
BOMB_MIN_BYTES = 1024 * 1024
CHUNK = 64 * 1024
_SUPPORTED_COMPRESSION = {
    zipfile.ZIP_STORED,
    zipfile.ZIP_DEFLATED,
    zipfile.ZIP_BZIP2,
    zipfile.ZIP_LZMA,
}


# Everything zipfile and its decompressors raise on a damaged archive.
ZIP_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    zipfile.LargeZipFile,
    OSError,
    ValueError,
    EOFError,
    NotImplementedError,
    KeyError,
    IndexError,
    OverflowError,
    struct.error,
    RuntimeError,  # an encrypted member read without its password
)


def open_zip(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """Open a zip container after checking its central directory.

    Refused (with a Swedish message) before anything is decompressed: a
    damaged archive, more than `limits.max_zip_entries` members, a total
    declared uncompressed size over `limits.max_unzipped_bytes`, a member over
    1 MB with a compression ratio above `limits.max_compression_ratio` (a zip
    bomb), an encrypted member, or an unusual compression method. A member
    that inflates beyond its declared size is caught while it is read:
    zipfile stops at the declared size and the CRC check then fails, which
    `read_member`/`check_xml_parts` turn into a refusal.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except ZIP_ERRORS as exc:
        raise Refused(CORRUPT_MESSAGE) from exc
    try:
        _check_directory(zf, limits)
    except Refused:
        zf.close()
        raise
    return zf


def _check_directory(zf: zipfile.ZipFile, limits: Limits) -> None:
    infos = zf.infolist()
    if len(infos) > limits.max_zip_entries:
        raise Refused(
            f"Filen innehåller för många delar (fler än {limits.max_zip_entries}) för att kunna "
            "läsas. Spara den på nytt som ett vanligt dokument och skicka igen."
        )
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise Refused(PASSWORD_MESSAGE)
        if info.compress_type not in _SUPPORTED_COMPRESSION:
            raise Refused(_COMPRESSION_MESSAGE)
        inflated_cap = limits.max_compression_ratio * max(info.compress_size, 1)
        if info.file_size > BOMB_MIN_BYTES and info.file_size > inflated_cap:
            raise Refused(BOMB_MESSAGE)
        total += info.file_size
    if total > limits.max_unzipped_bytes:
        mb = limits.max_unzipped_bytes // (1024 * 1024)
        raise Refused(
            f"Filen blir för stor när den packas upp (över {mb} MB) för att kunna läsas. "
            "Ta bort stora bilder eller bilagor ur dokumentet och skicka igen."
        )


def iter_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Generator[bytes, None, None]:
    """Yield a member's decompressed bytes in chunks, never more than declared.

    A member whose real content is larger than its declared size, or whose
    CRC does not match, is refused as damaged.
    """
    remaining = info.file_size
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(min(CHUNK, remaining + 1))
                if not chunk:
                    return
                remaining -= len(chunk)
                if remaining < 0:
                    raise Refused(SIZE_MISMATCH_MESSAGE)
                yield chunk
    except Refused:
        raise
    except zipfile.BadZipFile as exc:
        # zipfile stops at the declared size, so a member longer than
        # declared shows up here as a CRC mismatch.
        raise Refused(SIZE_MISMATCH_MESSAGE) from exc
    except ZIP_ERRORS as exc:
        raise Refused(CORRUPT_MESSAGE) from exc


def read_member(zf: zipfile.ZipFile, name: str | zipfile.ZipInfo, max_bytes: int) -> bytes:
    """Read one member whole, refusing it if it declares more than `max_bytes`."""
    try:
        info = name if isinstance(name, zipfile.ZipInfo) else zf.getinfo(name)
    except KeyError as exc:
        raise Refused(CORRUPT_MESSAGE) from exc
    if info.file_size > max_bytes:
        mb = max(1, max_bytes // (1024 * 1024))
        raise Refused(
            f"Filen innehåller en för stor del ({info.filename}, över {mb} MB) för att kunna "
            "läsas. Ta bort stora bilder eller tabeller och skicka igen."
        )
    return b"".join(iter_member(zf, info))
