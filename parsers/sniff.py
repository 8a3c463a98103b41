"""Which format a file is, decided from its bytes.

Municipalities rename files, mail programs change extensions and people save
"as PDF" into a .docx name, so the extension is never trusted: the bytes
decide, and the filename only breaks a tie the bytes leave open (a zip that
holds both a Word and an Excel main part, say). A file that cannot even be
opened as the container it claims to be, or that is password protected, is
refused here with a Swedish message the sender can act on.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from pathlib import PurePath

import olefile

from parsers.limits import Refused
from parsers.result import Format
from parsers.safe_zip import CORRUPT_MESSAGE, PASSWORD_MESSAGE, ZIP_ERRORS

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

XLSB_MESSAGE = (
    "Filen är en binär Excel-arbetsbok (.xlsb) som inte kan läsas. "
    "Spara den som vanlig Excel-arbetsbok (.xlsx) och skicka igen."
)

# Main-part content types in [Content_Types].xml, most specific first. The
# macro-enabled and template variants are read like their plain siblings but
# keep their own Format so a receipt can name them.
_CONTENT_TYPES: tuple[tuple[bytes, Format], ...] = (
    (b"application/vnd.ms-word.document.macroenabled.main+xml", Format.DOCM),
    (b"application/vnd.ms-word.template.macroenabledtemplate.main+xml", Format.DOCM),
    (b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", Format.DOCX),
    (b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml", Format.DOCX),
    (b"application/vnd.ms-excel.sheet.macroenabled.main+xml", Format.XLSM),
    (b"application/vnd.ms-excel.template.macroenabled.main+xml", Format.XLSM),
    (b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", Format.XLSX),
    (b"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml", Format.XLSX),
)
_ODF_MIMETYPES: tuple[tuple[str, Format], ...] = (
    ("application/vnd.oasis.opendocument.text", Format.ODT),  # also -template, -master
    ("application/vnd.oasis.opendocument.spreadsheet", Format.ODS),
)
_EXTENSIONS: dict[str, Format] = {
    ".docx": Format.DOCX,
    ".dotx": Format.DOCX,
    ".docm": Format.DOCM,
    ".dotm": Format.DOCM,
    ".xlsx": Format.XLSX,
    ".xltx": Format.XLSX,
    ".xlsm": Format.XLSM,
    ".xltm": Format.XLSM,
    ".odt": Format.ODT,
    ".ott": Format.ODT,
    ".ods": Format.ODS,
    ".ots": Format.ODS,
    ".doc": Format.DOC,
    ".xls": Format.XLS,
}
# Only small, fixed-size parts are read during sniffing; a bomb is the
# reader's problem (parsers.safety), not the sniffer's.
_SMALL_PART = 256 * 1024
_MANIFEST_ROOT_RE = re.compile(
    rb'manifest:full-path\s*=\s*["\']/["\'][^>]*?manifest:media-type\s*=\s*["\']([^"\']+)["\']'
    rb'|manifest:media-type\s*=\s*["\']([^"\']+)["\'][^>]*?manifest:full-path\s*=\s*["\']/["\']'
)
_TEXT_SAMPLE = 64 * 1024


def detect_format(data: bytes, filename: str = "") -> Format:
    """Detect the format of `data`; `filename` only breaks ties.

    ZIP containers are told apart by their parts (Word, Excel, OpenDocument),
    OLE2 containers by their streams (.doc, .xls), then PDF (`%PDF-` in the
    first 1024 bytes), RTF and plain text. Anything else is `Format.UNKNOWN`.

    Raises `Refused` (Swedish message) for a password-protected Office file
    (an OLE2 file with `EncryptionInfo`/`EncryptedPackage`), a binary .xlsb
    workbook, and a zip or OLE2 file too damaged to open (truncated, bad
    central directory). Never raises anything else, whatever the bytes.
    """
    hint = _extension(filename)
    if data.startswith(_ZIP_MAGICS):
        return _detect_zip(data, hint)
    if data.startswith(_OLE_MAGIC):
        return _detect_ole(data, hint)
    if b"%PDF-" in data[:1024]:
        return Format.PDF
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:5] == b"{\\rtf":
        return Format.RTF
    if _looks_like_text(data):
        return Format.TEXT
    # A zip with something glued in front (a self-extracting archive, a mail
    # client's junk) still opens, since zip is read from its end.
    if _is_zip(data):
        return _detect_zip(data, hint)
    return Format.UNKNOWN


def _extension(filename: str) -> Format | None:
    suffix = PurePath(filename.strip().replace("\\", "/")).suffix.lower() if filename else ""
    return _EXTENSIONS.get(suffix)


def _is_zip(data: bytes) -> bool:
    # Ask only when an end-of-central-directory record is present, so plain
    # binary junk is not handed to zipfile at all.
    if b"PK\x05\x06" not in data[-(65536 + 22) :]:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)):
            return True
    except ZIP_ERRORS:
        return False


def _detect_zip(data: bytes, hint: Format | None) -> Format:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return _classify_zip(zf, hint)
    except Refused:
        raise
    except ZIP_ERRORS as exc:
        # zipfile reports a damaged archive through many exception types
        # (struct errors are ValueErrors, bad sizes OverflowError, etc.).
        raise Refused(CORRUPT_MESSAGE) from exc


def _classify_zip(zf: zipfile.ZipFile, hint: Format | None) -> Format:
    names = {info.filename.replace("\\", "/").lstrip("/").lower(): info for info in zf.infolist()}
    candidates: list[Format] = []

    if "[content_types].xml" in names:
        content_types = _read_small(zf, names["[content_types].xml"]).lower()
        for content_type, fmt in _CONTENT_TYPES:
            if content_type in content_types and fmt not in candidates:
                candidates.append(fmt)
        # Part names back up content types that a home-made generator got wrong.
        macro = "word/vbaproject.bin" in names or "xl/vbaproject.bin" in names
        if "word/document.xml" in names and not {Format.DOCX, Format.DOCM} & set(candidates):
            candidates.append(Format.DOCM if macro else Format.DOCX)
        if "xl/workbook.xml" in names and not {Format.XLSX, Format.XLSM} & set(candidates):
            candidates.append(Format.XLSM if macro else Format.XLSX)
        if macro:
            candidates = [_macro_variant(f) for f in candidates]
        if not candidates and "xl/workbook.bin" in names:
            raise Refused(XLSB_MESSAGE)

    odf = _odf_format(zf, names)
    if odf is not None and odf not in candidates:
        candidates.append(odf)

    if not candidates:
        return Format.UNKNOWN
    if len(candidates) > 1 and hint in candidates:
        return hint
    return candidates[0]


def _macro_variant(fmt: Format) -> Format:
    return {Format.DOCX: Format.DOCM, Format.XLSX: Format.XLSM}.get(fmt, fmt)


def _odf_format(zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo]) -> Format | None:
    mimetype = ""
    if "mimetype" in names:
        mimetype = _read_small(zf, names["mimetype"]).decode("ascii", "replace").strip().lower()
    elif "meta-inf/manifest.xml" in names:
        # The `mimetype` member is optional; the manifest's root entry says the same.
        m = _MANIFEST_ROOT_RE.search(_read_small(zf, names["meta-inf/manifest.xml"]))
        if m:
            mimetype = (m.group(1) or m.group(2)).decode("ascii", "replace").strip().lower()
    for prefix, fmt in _ODF_MIMETYPES:
        if mimetype == prefix or mimetype.startswith(prefix + "-"):
            return fmt
    return None


def _read_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.flag_bits & 0x1:
        # An encrypted member cannot be read without its password; sniff by
        # name only and let the reader refuse the file.
        return b""
    with zf.open(info) as fh:
        return fh.read(_SMALL_PART)


def _detect_ole(data: bytes, hint: Format | None) -> Format:
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - olefile signals a damaged
        # container with whatever its struct parsing hits (OSError, ValueError,
        # IndexError, ...); all of them mean "cannot be opened".
        raise Refused(CORRUPT_MESSAGE) from exc
    try:
        streams = {"/".join(path).lower() for path in ole.listdir(streams=True, storages=True)}
    except Exception as exc:  # noqa: BLE001 - same as above, for the directory walk.
        raise Refused(CORRUPT_MESSAGE) from exc
    finally:
        ole.close()

    if "encryptioninfo" in streams or "encryptedpackage" in streams:
        # A password-protected .docx/.xlsx is an OLE2 wrapper around an
        # encrypted zip; nothing in it can be read without the password.
        raise Refused(PASSWORD_MESSAGE)
    candidates: list[Format] = []
    if "worddocument" in streams:
        candidates.append(Format.DOC)
    if "workbook" in streams or "book" in streams:
        candidates.append(Format.XLS)
    if not candidates:
        return Format.UNKNOWN
    if len(candidates) > 1 and hint in candidates:
        return hint
    return candidates[0]


def _looks_like_text(data: bytes) -> bool:
    """True for UTF-8/UTF-16/cp1252 text that is mostly printable."""
    sample = data[:_TEXT_SAMPLE]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _decode_sample(sample[2:], "utf-16-le" if sample[0] == 0xFF else "utf-16-be")
    elif b"\x00" in sample:
        return False
    else:
        text = _decode_sample(sample, "utf-8-sig") or _decode_sample(sample, "cp1252")
    if not text or text.isspace():
        return False
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\n\r\t\f")
    return printable / len(text) >= 0.95


def _decode_sample(sample: bytes, encoding: str) -> str:
    """Decode a prefix of a file; a character cut at the end is not an error."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        return str(decoder.decode(sample, final=False))
    except UnicodeDecodeError:
        return ""
