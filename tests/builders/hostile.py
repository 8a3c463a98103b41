"""Hostile and malformed mail, built in code: the corpus `tests/hostile` runs through the worker.

Every `Case` is one real .eml message from a municipality's address (so
nothing is turned away before its attachments are read), and says what must
become of it: `stored`, `rejected` (an error reply whose Swedish text names
the problem: `says`), `quarantined` or `ignored`. The hostile files are
written byte by byte here (zip containers, CFB/OLE2 containers, PDFs), so each
one is exactly the attack it is named after:

- zip bombs: a 150 MB deflate bomb in a .docx, a .xlsx whose sheet inflates
  far past its declared size, Fifield-style overlapping entries (one local
  file shared by hundreds of directory entries), zips nested in zips;
- XML: "billion laughs" entity expansion and external entities
  (file:///etc/passwd, an http URL the test listens on) in .docx/.xlsx/.odt;
- corrupt and truncated zips and PDFs, an encrypted Office file (an OLE2
  EncryptionInfo/EncryptedPackage pair), a password-protected PDF, a zip
  member with the encryption bit;
- macro-enabled .docm/.xlsm, lying extensions, a .doc, an .rtf, an empty
  file, an image-only PDF, a PDF with 50,000 pages, a PDF whose single page
  holds thousands of one-letter text objects (slow to extract);
- mail structure: a 25 MB message, 500 attachments, 60 nested multiparts,
  30 nested forwards, unterminated multiparts;
- headers: unknown charsets, broken encoded-words, raw 8-bit headers,
  missing and duplicate From, 100 KB header lines;
- filenames: NUL bytes, "../../", "C:\\Windows\\", "/etc/passwd", 5,000
  characters, right-to-left override.

Each filename the sender chooses carries `MARKER`, so a test can look for
any file written under it. Nothing here is real personal data.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from tests.builders import mail as mails
from tests.builders.docx_builder import rewrite_zip, to_docm
from tests.builders.xlsx_builder import to_xlsm

MARKER = "LBX7q"  # in every attachment name the sender chose; never in anything the system names itself
SENDER = "samordnare@ludvika.se"
MUNICIPALITY = "Ludvika"
DOCX = mails.DOCX_TYPE
XLSX = mails.XLSX_TYPE
ODT = "application/vnd.oasis.opendocument.text"
PDF = "application/pdf"
OCTET = "application/octet-stream"

MB = 1024 * 1024


# --------------------------------------------------------------------------
# The real form, and small helpers
# --------------------------------------------------------------------------


def form_docx() -> bytes:
    """Ludvika's filled-in form for October 2026 (the county's Word template)."""
    return mails.form_docx(MUNICIPALITY)


def form_xlsx() -> bytes:
    """Ludvika's filled-in form for October 2026 (the county's Excel form)."""
    return mails.form_xlsx(MUNICIPALITY)


def name(stem: str, ext: str) -> str:
    """An attachment name carrying the marker."""
    return f"{stem}-{MARKER}.{ext}"


def one_file(filename: str, data: bytes, ctype: str, subject: str = "Lägesbild oktober", **kw: object) -> bytes:
    """A plain Outlook mail from Ludvika with one attachment."""
    return mails.build_mail(SENDER, subject, "Hej! Här kommer lägesbilden.", [(filename, data, ctype)],
                            **kw)  # type: ignore[arg-type]


def mid(*seed: str) -> str:
    """A stable Message-ID for `seed` (str hashes change between runs; this does not)."""
    return f"<{hashlib.sha1('|'.join(seed).encode()).hexdigest()[:16]}@ludvika.se>"


def _rng(seed: str) -> random.Random:
    return random.Random(seed)


def noise(size: int, seed: str = "noise") -> bytes:
    """`size` incompressible bytes (deterministic)."""
    return _rng(seed).randbytes(size)


# --------------------------------------------------------------------------
# Zip containers written by hand
# --------------------------------------------------------------------------


def _raw_deflate(data: bytes, level: int = 9) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _zero_deflate(megabytes: int) -> tuple[bytes, int]:
    """Raw deflate of `megabytes` MB of zeros, streamed (the zeros are never held at once); and their CRC."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b"\x00" * MB
    crc = 0
    parts = []
    for _ in range(megabytes):
        parts.append(c.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    parts.append(c.flush())
    return b"".join(parts), crc


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    compressed: bytes
    crc: int
    size: int  # declared uncompressed size
    method: int = zipfile.ZIP_DEFLATED


def _entry(name: str, data: bytes) -> _Entry:
    return _Entry(name, _raw_deflate(data), zlib.crc32(data), len(data))


def _local_header(e: _Entry, declared: int | None = None) -> bytes:
    encoded = e.name.encode("utf-8")
    size = e.size if declared is None else declared
    return struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0x800, e.method, 0, 0x21, e.crc,
                       len(e.compressed), size, len(encoded), 0) + encoded


def _central_header(e: _Entry, offset: int, declared: int | None = None) -> bytes:
    encoded = e.name.encode("utf-8")
    size = e.size if declared is None else declared
    return struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0x800, e.method, 0, 0x21, e.crc,
                       len(e.compressed), size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded


def _end_of_directory(count: int, size: int, offset: int) -> bytes:
    return struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, size, offset, 0)


def write_zip(entries: Sequence[_Entry], *, shared: _Entry | None = None, shared_copies: int = 0) -> bytes:
    """A zip of `entries`; plus `shared_copies` directory entries that all point at one local file `shared`.

    The shared entries are the "overlapping files" construction of a zip bomb
    (D. Fifield, "A better zip bomb", 2019): the compressed kernel is stored
    once and every directory entry inflates it again.
    """
    out = bytearray()
    central = bytearray()
    for e in entries:
        central += _central_header(e, len(out))
        out += _local_header(e) + e.compressed
    if shared is not None:
        at = len(out)
        out += _local_header(shared) + shared.compressed
        for _ in range(shared_copies):
            central += _central_header(shared, at)
    start = len(out)
    count = len(entries) + (shared_copies if shared is not None else 0)
    return bytes(out + central + _end_of_directory(count, len(central), start))


def zip_members(data: bytes) -> list[tuple[str, bytes]]:
    """The members of a well-formed zip, in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def replace_member_with_zeros(data: bytes, member: str, megabytes: int, *, declared: int | None = None) -> bytes:
    """`data` (a zip) with `member` replaced by `megabytes` MB of zeros.

    `declared` makes the directory lie about the inflated size (a member that
    inflates far past what it declares).
    """
    kernel, crc = _zero_deflate(megabytes)
    bomb = _Entry(member, kernel, crc, megabytes * MB)
    out = bytearray()
    central = bytearray()
    for n, content in zip_members(data):
        e = bomb if n == member else _entry(n, content)
        size = declared if (n == member and declared is not None) else None
        central += _central_header(e, len(out), size)
        out += _local_header(e, size) + e.compressed
    start = len(out)
    count = len(zip_members(data))
    return bytes(out + central + _end_of_directory(count, len(central), start))


@lru_cache(maxsize=1)
def docx_deflate_bomb() -> bytes:
    """The real form whose word/document.xml is 150 MB of zeros (about 150 KB packed, ratio ~1000)."""
    return replace_member_with_zeros(form_docx(), "word/document.xml", 150)


@lru_cache(maxsize=1)
def xlsx_deflate_bomb() -> bytes:
    """The real Excel form whose shared strings are 150 MB of zeros (ratio ~1000)."""
    return replace_member_with_zeros(form_xlsx(), _xlsx_text_part(), 150)


def _xlsx_text_part() -> str:
    names = [n for n, _ in zip_members(form_xlsx())]
    return "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in names else "xl/worksheets/sheet1.xml"


@lru_cache(maxsize=1)
def xlsx_lying_bomb() -> bytes:
    """The real Excel form whose first sheet declares 64 KB but inflates to 150 MB."""
    return replace_member_with_zeros(form_xlsx(), "xl/worksheets/sheet1.xml", 150, declared=64 * 1024)


def _docx_shell_entries(data: bytes, without: str) -> list[_Entry]:
    return [_entry(n, c) for n, c in zip_members(data) if n != without]


@lru_cache(maxsize=1)
def overlapping_bomb() -> bytes:
    """A .docx whose document.xml is one 20 MB kernel shared by 250 directory entries (5 GB declared)."""
    kernel, crc = _zero_deflate(20)
    shared = _Entry("word/document.xml", kernel, crc, 20 * MB)
    return write_zip(_docx_shell_entries(form_docx(), "word/document.xml"), shared=shared, shared_copies=250)


@lru_cache(maxsize=1)
def overlapping_under_caps() -> bytes:
    """Overlapping entries sized to slip under the directory checks: 90 x 1 MB, each inflating the same kernel.

    No single entry is over the 1 MB bomb threshold and the total (90 MB) is
    under the unzipped cap, so only reading reveals the overlap.
    """
    kernel, crc = _zero_deflate(1)
    shared = _Entry("word/document.xml", kernel, crc, MB)
    return write_zip(_docx_shell_entries(form_docx(), "word/document.xml"), shared=shared, shared_copies=90)


@lru_cache(maxsize=1)
def nested_zip(levels: int = 8) -> bytes:
    """A zip in a zip in a zip ... (42.zip style), 16 copies per level at the bottom, 10 MB of zeros each."""
    kernel, crc = _zero_deflate(10)
    inner = write_zip([_Entry(f"lager{i}.bin", kernel, crc, 10 * MB) for i in range(16)])
    for level in range(levels):
        inner = write_zip([_entry(f"niva{level}-{i}.zip", inner) for i in range(4)])
    return inner


def set_encryption_bit(data: bytes) -> bytes:
    """Every member of the zip marked encrypted (general-purpose bit 0), local and central."""
    out = bytearray(data)
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = out.find(sig)
        while at >= 0:
            (flags,) = struct.unpack_from("<H", out, at + off)
            struct.pack_into("<H", out, at + off, flags | 0x1)
            at = out.find(sig, at + 4)
    return bytes(out)


def garble_central_directory(data: bytes) -> bytes:
    """The zip with its central directory overwritten by noise (the end record kept)."""
    out = bytearray(data)
    start = out.find(b"PK\x01\x02")
    end = out.rfind(b"PK\x05\x06")
    out[start:end] = noise(end - start, "garble")
    return bytes(out)


def zipped_folder() -> bytes:
    """A zipped folder (no Office parts) named as if it were the form."""
    return write_zip([_entry("Lägesbild/anteckningar.txt", "Utkast till lägesbild.\n".encode()),
                      _entry("Lägesbild/bild.txt", b"bild saknas")])


# --------------------------------------------------------------------------
# XML attacks inside Office and OpenDocument files
# --------------------------------------------------------------------------

BILLION_LAUGHS_DTD = (
    '<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n"
)


def _with_dtd(xml: bytes, dtd: str, entity: str) -> bytes:
    """`xml` with `dtd` after its declaration and `&entity;` in its first text node."""
    text = xml.decode("utf-8")
    decl_end = text.find("?>") + 2 if text.startswith("<?xml") else 0
    text = text[:decl_end] + "\n" + dtd + text[decl_end:]
    for opener in ("<w:t>", "<w:t xml:space=\"preserve\">", "<t>", "<t xml:space=\"preserve\">", "<text:p>"):
        at = text.find(opener)
        if at >= 0:
            at += len(opener)
            return (text[:at] + f"&{entity};" + text[at:]).encode("utf-8")
    raise ValueError("no text node to put the entity in")


def docx_with_dtd(dtd: str, entity: str) -> bytes:
    data = form_docx()
    members = dict(zip_members(data))
    return rewrite_zip(data, {"word/document.xml": _with_dtd(members["word/document.xml"], dtd, entity)})


def xlsx_with_dtd(dtd: str, entity: str) -> bytes:
    data = form_xlsx()
    members = dict(zip_members(data))
    part = "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in members else "xl/worksheets/sheet1.xml"
    return rewrite_zip(data, {part: _with_dtd(members[part], dtd, entity)})


def plain_odt(text: str = "Lägesbild sociala risker. Kommun: Ludvika") -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    doc = OpenDocumentText()
    doc.text.addElement(P(text=text))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def odt_with_dtd(dtd: str, entity: str) -> bytes:
    data = plain_odt()
    members = dict(zip_members(data))
    content = members["content.xml"]
    return rewrite_zip(data, {"content.xml": _with_dtd(content, dtd, entity)})


def external_entity_dtd(url: str) -> str:
    return f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{url}">]>\n'


def external_dtd(url: str) -> str:
    """A DOCTYPE that names an external DTD to load (no entity needed)."""
    return f'<!DOCTYPE r SYSTEM "{url}">\n'


def utf7_part_docx() -> bytes:
    """A .docx whose document.xml declares UTF-7, in which "<!" can be written without those bytes."""
    data = form_docx()
    members = dict(zip_members(data))
    xml = re.sub(rb"""encoding=(["'])UTF-8\1""", b'encoding="UTF-7"', members["word/document.xml"], count=1)
    assert b"UTF-7" in xml
    return rewrite_zip(data, {"word/document.xml": xml})


# --------------------------------------------------------------------------
# OLE2 (Compound File Binary) containers written by hand
# --------------------------------------------------------------------------

_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF


def _dir_entry(entry_name: str, kind: int, start: int, size: int, left: int = _NOSTREAM, right: int = _NOSTREAM,
               child: int = _NOSTREAM) -> bytes:
    encoded = (entry_name + "\x00").encode("utf-16-le")
    return (encoded.ljust(64, b"\x00") + struct.pack("<HBBIII", len(encoded), kind, 1, left, right, child)
            + bytes(16) + struct.pack("<I", 0) + bytes(16) + struct.pack("<II", start, size) + bytes(4))


def cfb(streams: Sequence[tuple[str, bytes]]) -> bytes:
    """A version-3 compound file holding `streams` at the root (each padded to the 4 KB mini-stream cutoff).

    Streams of 4 KB or more live in regular 512-byte sectors, so no mini
    stream is needed. The directory is a chain of right siblings, shortest
    name first, which is the order CFB's red-black tree compares names in.
    """
    ordered = sorted(((n, d.ljust(4096, b"\x00")) for n, d in streams), key=lambda s: (len(s[0]), s[0].upper()))
    data_sectors = [(len(d) + 511) // 512 for _, d in ordered]
    entries = 1 + len(ordered)
    dir_sectors = (entries * 128 + 511) // 512
    total = sum(data_sectors) + dir_sectors
    fat_sectors = 1
    while (total + fat_sectors) > fat_sectors * 128:
        fat_sectors += 1
    assert fat_sectors <= 109
    fat = [_FATSECT] * fat_sectors
    dir_start = len(fat)
    fat += [dir_start + i + 1 for i in range(dir_sectors - 1)] + [_END]
    starts = []
    for n in data_sectors:
        start = len(fat)
        starts.append(start)
        fat += [start + i + 1 for i in range(n - 1)] + [_END]
    fat += [_FREE] * (fat_sectors * 128 - len(fat))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIIIIIIII", 0, fat_sectors, dir_start, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<109I", *(list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors))))
    assert len(header) == 512
    directory = _dir_entry("Root Entry", 5, _END, 0, child=1)
    for i, ((entry_name, content), start) in enumerate(zip(ordered, starts, strict=True)):
        right = i + 2 if i + 1 < len(ordered) else _NOSTREAM
        directory += _dir_entry(entry_name, 2, start, len(content), right=right)
    directory = directory.ljust(dir_sectors * 512, b"\x00")
    body = b"".join(d.ljust(n * 512, b"\x00") for (_, d), n in zip(ordered, data_sectors, strict=True))
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + body


def encrypted_office() -> bytes:
    """A password-protected .docx as Office writes it: an OLE2 file with EncryptionInfo and EncryptedPackage."""
    info = struct.pack("<HHI", 4, 4, 0x40) + (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
        b'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        b'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        b'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/>'
        b"</encryption>")
    package = struct.pack("<Q", 12000) + noise(12288, "encrypted-package")
    return cfb([("EncryptionInfo", info), ("EncryptedPackage", package)])


def word97_doc() -> bytes:
    """A Word 97-2003 .doc: an OLE2 file with a WordDocument stream (FIB magic 0xA5EC) and a 1Table stream."""
    fib = struct.pack("<HH", 0xA5EC, 0x00C1) + bytes(1020)
    return cfb([("WordDocument", fib), ("1Table", bytes(512))])


# --------------------------------------------------------------------------
# PDFs written by hand (and with reportlab)
# --------------------------------------------------------------------------


def raw_pdf(objects: Sequence[bytes]) -> bytes:
    """A PDF whose object n is objects[n-1]; object 1 must be the catalog."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@lru_cache(maxsize=1)
def slow_text_pdf(chars: int = 20_000) -> bytes:
    """One page drawn as `chars` separate one-letter text objects at size 1 (under the per-page char cap).

    pdfplumber took tens of seconds on it (measured: ~35 s for 20,000), all
    inside one page, so only the child's time cap stopped it; the pdfium
    reader reads it in a fraction of a second and finds no form in it.
    """
    ops = [b"BT /F1 1 Tf %.1f %.1f Td (%c) Tj ET" % (10 + (i % 500) * 1.1, 10 + (i // 500) * 1.5, 97 + i % 26)
           for i in range(chars)]
    stream = zlib.compress(b"\n".join(ops))
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
        b"/Contents 4 0 R >>",
    ])


@lru_cache(maxsize=1)
def many_pages_pdf(pages: int = 50_000) -> bytes:
    """A page tree that claims (and lists) `pages` pages, all the same blank page object."""
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" 3 0 R" * pages + b"] /Count %d >>" % pages,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ])


def text_pdf(lines: Sequence[str] = ("Lägesbild sociala risker", "Underlaget inlämnat av kommun: Ludvika")) -> bytes:
    """A small PDF with a text layer (reportlab)."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for i, line in enumerate(lines):
        pdf.drawString(72, 760 - 18 * i, line)
    pdf.save()
    return out.getvalue()


def encrypted_pdf() -> bytes:
    """A PDF that needs a user password to open (AES-128)."""
    from tests.builders.pdf_builder import encrypt_pdf

    return encrypt_pdf(text_pdf())


def image_only_pdf() -> bytes:
    """A 'scanned' page: one raster image, no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("L", (600, 800), 245)
    draw = ImageDraw.Draw(img)
    for y in range(60, 760, 24):
        draw.line((60, y, 540, y), fill=40, width=3)  # lines that look like text, but are pixels
    png = io.BytesIO()
    img.save(png, "PNG")
    png.seek(0)
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.drawImage(ImageReader(png), 0, 0, width=595, height=842)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def rtf_document() -> bytes:
    return (b"{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Calibri;}}\\f0\\fs22 "
            b"L\\'e4gesbild sociala risker\\par Underlaget inl\\'e4mnat av kommun: Ludvika\\par}")


# --------------------------------------------------------------------------
# Mail structure
# --------------------------------------------------------------------------


def raw_mail(headers: Sequence[tuple[str, str | bytes]], body: bytes) -> bytes:
    """A message from literal header lines and body bytes (nothing folded, nothing encoded)."""
    head = b"".join(n.encode("ascii") + b": " + (v if isinstance(v, bytes) else v.encode("utf-8")) + b"\r\n"
                    for n, v in headers)
    return head + b"\r\n" + body


def _std_headers(subject: str = "Lägesbild oktober", sender: str = SENDER, msgid: str = "") -> list[tuple[str, str]]:
    return [("From", sender), ("To", mails.COUNTY_ADDRESS), ("Subject", mails.encoded_word(subject)),
            ("Date", mails.DEFAULT_DATE), ("Message-ID", msgid or mid(subject)),
            ("MIME-Version", "1.0")]


def _attachment_bytes(filename: str, data: bytes, ctype: str = DOCX) -> bytes:
    return mails.render(mails.file_part(filename, data, ctype))


def deep_multipart(depth: int = 60) -> bytes:
    """The real form at the bottom of `depth` nested multipart/mixed levels."""
    leaf = _attachment_bytes(name("djupt", "docx"), form_docx())
    opening = "".join(f'Content-Type: multipart/mixed; boundary="niva{i}"\r\n\r\n--niva{i}\r\n' for i in range(depth))
    closing = "".join(f"\r\n--niva{i}--\r\n" for i in reversed(range(depth)))
    head = raw_mail(_std_headers("Djupt nästlad", msgid="<deep@ludvika.se>"), b"")[:-2]
    return head + opening.encode("ascii") + leaf + closing.encode("ascii")


def deep_forwards(times: int = 30) -> bytes:
    """The form mail forwarded as an attachment `times` times over (message/rfc822 in message/rfc822 ...)."""
    original = one_file(name("vidare", "docx"), form_docx(), DOCX, message_id="<orig-fwd@ludvika.se>")
    return mails.forward_chain(original, times)


def unterminated_multipart() -> bytes:
    """A multipart whose boundary never closes and whose last part is cut off two thirds into its base64.

    The cut leaves one letter of an unfinished quantum (length = 1 mod 4), the
    case the standard library cannot decode at all.
    """
    part = _attachment_bytes(name("avbruten", "docx"), form_docx())
    head, _, encoded = part.partition(b"\r\n\r\n")
    letters = encoded.replace(b"\r\n", b"")
    keep = len(letters) * 2 // 3
    keep -= (keep - 1) % 4
    cut = head + b"\r\n\r\n" + b"\r\n".join(letters[i:i + 76] for i in range(0, keep, 76))[: keep + keep // 76 * 2]
    body = b"--yttre\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHej!\r\n--yttre\r\n" + cut
    headers = [*_std_headers("Avbruten", msgid="<cut@ludvika.se>"),
               ("Content-Type", 'multipart/mixed; boundary="yttre"')]
    return raw_mail(headers, body)


def many_attachments(n: int = 500) -> bytes:
    """The real form first, then n - 1 small text files: 500 attachments in all."""
    files = [(name("Lägesbild", "docx"), form_docx(), DOCX)]
    files += [(name(f"bilaga{i:03d}", "txt"), f"Bilaga {i}.\n".encode(), "text/plain") for i in range(1, n)]
    return mails.build_mail(SENDER, "Lägesbild med många bilagor", "Se bilagorna.", files, client="mobile")


def big_message() -> bytes:
    """A 25+ MB message: the real form carrying 19 MB of incompressible images (the file stays under 20 MB)."""
    image = noise(19 * MB, "big")
    data = rewrite_zip(form_docx(), {}, add=[("word/media/image1.png", image)])
    return one_file(name("Lägesbild stor", "docx"), data, DOCX)


def oversized_file() -> bytes:
    """One 21 MB attachment: over the 20 MB per-file cap (the message is about 29 MB)."""
    return one_file(name("Lägesbild enorm", "pdf"), b"%PDF-1.7\n" + noise(21 * MB, "oversized"), PDF)


def calendar_only() -> bytes:
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0//EN\r\nMETHOD:REQUEST\r\n"
           "BEGIN:VEVENT\r\nUID:lagesbild-mote-1\r\nDTSTART:20261105T090000Z\r\nDTEND:20261105T100000Z\r\n"
           "SUMMARY:Genomgång lägesbild\r\nORGANIZER:mailto:samordnare@ludvika.se\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    headers = [*_std_headers("Inbjudan: Genomgång lägesbild", msgid="<cal@ludvika.se>"),
               ("Content-Type", 'text/calendar; method=REQUEST; charset="utf-8"'),
               ("Content-Transfer-Encoding", "7bit")]
    return raw_mail(headers, ics.encode("utf-8"))


# --------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------


def broken_encoded_words() -> bytes:
    """Encoded-words with bad base64, an unknown encoding letter, no terminator, in Subject and filename."""
    part = mails.file_part("x.docx", form_docx(), DOCX, encoding="raw")
    part.headers = [
        ("Content-Type", f'{DOCX}; name="=?utf-8?B?TMOkZ2VzYmlsZA!!!?=-{MARKER}.docx"'),
        ("Content-Disposition", f'attachment; filename="=?utf-8?Q?L=C3=A4gesbild=ZZ?= =?utf-8?X?abc?=-{MARKER}.docx"'),
        ("Content-Transfer-Encoding", "base64"),
    ]
    text = mails.text_part("Hej!")
    root = mails.Part([("Content-Type", 'multipart/mixed; boundary="b1"')], children=[text, part], boundary="b1",
                      preamble="")
    root.headers = [("From", f"=?utf-8?B?!!!?= <{SENDER}>"), ("To", mails.COUNTY_ADDRESS),
                    ("Subject", "=?utf-8?B?TMOkZ2VzYmlsZCBva3RvYmVy?= =?utf-8?q?trasig=?= "
                                "=?unknown-8bit?Q?=E4?= =?utf-8?B?"),
                    ("Date", mails.DEFAULT_DATE), ("Message-ID", "<ew@ludvika.se>"), ("MIME-Version", "1.0"),
                    *root.headers]
    return mails.render(root)


def eight_bit_headers() -> bytes:
    """Raw Latin-1 and raw UTF-8 bytes in Subject, From's name and the filename (no encoded-words)."""
    part = mails.file_part(name("Lägesbild", "docx"), form_docx(), DOCX, encoding="raw", charset="latin-1")
    text = mails.text_part("Hej från Älvdalen!", charset="iso-8859-1")
    root = mails.Part([("Content-Type", 'multipart/mixed; boundary="b8"')], children=[text, part], boundary="b8",
                      preamble="")
    root.headers = [("From", "Göran Åström <samordnare@ludvika.se>".encode("latin-1")), ("To", mails.COUNTY_ADDRESS),
                    ("Subject", "Lägesbild för oktober – Ludvika".encode()),
                    ("Date", mails.DEFAULT_DATE), ("Message-ID", "<8bit@ludvika.se>"), ("MIME-Version", "1.0"),
                    *root.headers]
    return mails.render(root)


def unknown_charset() -> bytes:
    """Made-up charset names in Subject, body and an RFC 2231 filename."""
    return mails.broken_charset(SENDER, (name("Lägesbild", "docx"), form_docx(), DOCX))


def missing_from() -> bytes:
    return mails.build_mail("", "Lägesbild oktober", "Hej!", [(name("Lägesbild", "docx"), form_docx(), DOCX)],
                            message_id="<nofrom@ludvika.se>")


def duplicate_from() -> bytes:
    """Two From headers: the municipality's and an outsider's. Which is the sender? Neither."""
    eml = one_file(name("Lägesbild", "docx"), form_docx(), DOCX, message_id="<twofrom@ludvika.se>")
    return mails.add_headers(eml, [("From", "angripare@example.org")])


def long_header_line(header: str = "Subject") -> bytes:
    """A 100 KB header line, never folded (RFC 5322 allows 998 characters)."""
    filler = "Lägesbild oktober " + "x" * (100 * 1024)
    eml = one_file(name("Lägesbild", "docx"), form_docx(), DOCX, message_id=f"<long-{header.lower()}@ludvika.se>")
    if header == "Subject":
        eml = mails.drop_header(mails.drop_header(eml, "Subject"), "Thread-Topic")
        return mails.add_headers(eml, [("Subject", filler)])
    return mails.add_headers(eml, [(header, filler)])


def long_from_line() -> bytes:
    """From: a 100 KB display name before the real address."""
    eml = mails.drop_header(one_file(name("Lägesbild", "docx"), form_docx(), DOCX, message_id="<longfrom@ludvika.se>"),
                            "From")
    return mails.add_headers(eml, [("From", '"' + "Å" * (50 * 1024) + f'" <{SENDER}>')])


# --------------------------------------------------------------------------
# Filenames
# --------------------------------------------------------------------------


def named_form(filename: str, encoding: str = "rfc2231", data: bytes | None = None) -> bytes:
    """The real form under `filename`, encoded as `encoding` says (rfc2231, encoded-word, raw)."""
    return mails.build_mail(SENDER, "Lägesbild oktober", "Hej!", [(filename, data or form_docx(), DOCX)],
                            filename_encoding=encoding, message_id=mid("name", filename))


def raw_nul_filename() -> bytes:
    """A literal NUL byte inside the quoted filename of the raw header."""
    part = mails.file_part("x.docx", form_docx(), DOCX, encoding="raw")
    bad = f"Lägesbild\x00.exe-{MARKER}.docx".encode()
    part.headers = [("Content-Type", DOCX.encode() + b'; name="' + bad + b'"'),
                    ("Content-Disposition", b'attachment; filename="' + bad + b'"'),
                    ("Content-Transfer-Encoding", b"base64")]
    text = mails.text_part("Hej!")
    root = mails.Part([("Content-Type", 'multipart/mixed; boundary="bn"')], children=[text, part], boundary="bn",
                      preamble="")
    root.headers = [*_std_headers(msgid="<rawnul@ludvika.se>"), *root.headers]
    return mails.render(root)


# --------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------

Build = Callable[["BuildContext"], bytes]


@dataclass(frozen=True, slots=True)
class BuildContext:
    """What a builder may need from the test: a URL that records any request made to it."""

    canary_url: str = "http://127.0.0.1:9/xxe"


@dataclass(frozen=True, slots=True)
class Case:
    """One hostile or malformed message and what must become of it.

    - `outcome`: stored / rejected / quarantined / ignored.
    - `says`: for `rejected`, Swedish words the error reply must contain (it
      names the problem); for `quarantined`, words of the recorded reason.
      "a|b" accepts either.
    - `files`: how many attachments may each use the full per-file time cap
      (the wall-time budget is this many times `seconds_per_file`, plus margin).
    - `chosen_names`: names the sender chose that must never appear on disk
      (besides anything carrying `MARKER`).
    """

    id: str
    build: Build
    outcome: str
    says: tuple[str, ...] = ()
    files: int = 1
    chosen_names: tuple[str, ...] = ()
    slow: bool = False  # over a few seconds even when refused correctly
    what: str = field(default="", compare=False)

    @property
    def group(self) -> str:
        """"file" for a hostile file in an ordinary mail, "mail" for a hostile mail."""
        return "mail" if self.id.split("_")[0] in _MAIL_PREFIXES else "file"


_MAIL_PREFIXES = frozenset({"message", "attachments", "multipart", "forwarded", "unknown", "broken", "eight",
                            "missing", "duplicate", "subject", "x", "from", "filename", "html", "calendar"})


CORRUPT = "skadad"
NOT_FORM = "känns inte igen"
BOMB = "zip-bomb"
DTD = "DTD eller entiteter"
PASSWORD = "lösenordsskyddad"
NO_FORM = "Vi hittade ingen lägesbild"


def _f(filename: str, data: Callable[[], bytes], ctype: str = DOCX) -> Build:
    return lambda _ctx: one_file(filename, data(), ctype, message_id=mid(filename))


CASES: tuple[Case, ...] = (
    # -- zip bombs
    Case("docx_deflate_bomb", _f(name("bomb", "docx"), docx_deflate_bomb), "rejected", (BOMB,),
         what="150 MB of zeros as word/document.xml, ratio ~1000"),
    Case("xlsx_deflate_bomb", _f(name("bomb", "xlsx"), xlsx_deflate_bomb, XLSX), "rejected", (BOMB,),
         what="150 MB of zeros as the workbook's text part"),
    Case("xlsx_lying_size_bomb", _f(name("bomb", "xlsx"), xlsx_lying_bomb, XLSX), "rejected", ("fel storlek",),
         what="a sheet declared as 64 KB that inflates to 150 MB"),
    Case("overlapping_zip_bomb", _f(name("overlap", "docx"), overlapping_bomb), "rejected", (BOMB,),
         what="250 directory entries sharing one 20 MB kernel (5 GB declared)"),
    Case("overlapping_zip_under_caps", _f(name("overlap-small", "docx"), overlapping_under_caps), "rejected",
         (CORRUPT,), what="90 x 1 MB overlapping entries, under every directory cap"),
    Case("nested_zip", _f(name("nested", "docx"), nested_zip), "rejected", (NOT_FORM,),
         what="zips nested 8 deep, 4 per level, 16 x 10 MB at the bottom (~42 GB if unpacked recursively)"),
    # -- XML entities
    Case("docx_billion_laughs", lambda _c: one_file(name("laughs", "docx"), docx_with_dtd(BILLION_LAUGHS_DTD, "lol9"),
                                                    DOCX), "rejected", (DTD,)),
    Case("xlsx_billion_laughs", lambda _c: one_file(name("laughs", "xlsx"), xlsx_with_dtd(BILLION_LAUGHS_DTD, "lol9"),
                                                    XLSX), "rejected", (DTD,)),
    Case("odt_billion_laughs", lambda _c: one_file(name("laughs", "odt"), odt_with_dtd(BILLION_LAUGHS_DTD, "lol9"),
                                                   ODT), "rejected", (DTD,)),
    Case("docx_xxe_file", lambda _c: one_file(name("xxe", "docx"),
                                              docx_with_dtd(external_entity_dtd("file:///etc/passwd"), "xxe"), DOCX),
         "rejected", (DTD,)),
    Case("xlsx_xxe_http", lambda c: one_file(name("xxe", "xlsx"),
                                             xlsx_with_dtd(external_entity_dtd(c.canary_url), "xxe"), XLSX),
         "rejected", (DTD,)),
    Case("odt_xxe_file", lambda _c: one_file(name("xxe", "odt"),
                                             odt_with_dtd(external_entity_dtd("file:///etc/passwd"), "xxe"), ODT),
         "rejected", (DTD,)),
    Case("docx_external_dtd_http", lambda c: one_file(name("dtd", "docx"),
                                                      docx_with_dtd(external_dtd(c.canary_url), "amp"), DOCX),
         "rejected", (DTD,)),
    Case("docx_utf7_declaration", _f(name("utf7", "docx"), utf7_part_docx), "rejected", ("teckenkodning",)),
    # -- corrupt, truncated, encrypted
    Case("docx_truncated", _f(name("avkortad", "docx"), lambda: form_docx()[: len(form_docx()) * 55 // 100]),
         "rejected", (CORRUPT,)),
    Case("docx_garbled_directory", _f(name("trasig", "docx"), lambda: garble_central_directory(form_docx())),
         "rejected", (CORRUPT,)),
    Case("zip_folder_named_docx", _f(name("mapp", "docx"), zipped_folder), "rejected", (NOT_FORM,)),
    Case("pdf_truncated", _f(name("avkortad", "pdf"), lambda: text_pdf()[:400], PDF), "rejected", (CORRUPT,)),
    Case("ole_encrypted_package", _f(name("skyddad", "docx"), encrypted_office), "rejected", (PASSWORD,)),
    Case("pdf_password", _f(name("skyddad", "pdf"), encrypted_pdf, PDF), "rejected", (PASSWORD,)),
    Case("zip_encryption_bit", _f(name("krypterad", "docx"), lambda: set_encryption_bit(form_docx())),
         "rejected", (PASSWORD,)),
    # -- macros and lying names
    Case("docm_macros", _f(name("makro", "docm"), lambda: to_docm(form_docx())), "stored",
         what="read like a .docx; the VBA part is never run or even read"),
    Case("xlsm_macros", _f(name("makro", "xlsm"), lambda: to_xlsm(form_xlsx()), XLSX), "stored"),
    Case("pdf_name_docx_bytes", _f(name("Lägesbild", "pdf"), form_docx, PDF), "stored"),
    Case("docx_name_png_bytes", _f(name("Lägesbild", "docx"), mails.png_1x1), "rejected", (NOT_FORM,)),
    # -- sizes and structure
    Case("attachments_500", lambda _c: many_attachments(500), "stored", files=500, slow=True,
         what="the form and 499 text files; parts past 500 are not read"),
    Case("message_25mb", lambda _c: big_message(), "stored", slow=True),
    Case("file_over_20mb", lambda _c: oversized_file(), "rejected", ("för stor",), slow=True),
    Case("multipart_60_deep", lambda _c: deep_multipart(60), "rejected", (NO_FORM,),
         what="the form below 60 multipart levels: nothing deeper than 10 is read"),
    Case("forwarded_30_deep", lambda _c: deep_forwards(30), "rejected", (NO_FORM,)),
    Case("multipart_unterminated", lambda _c: unterminated_multipart(), "rejected", ("avkortad",),
         what="no closing boundary and the last attachment cut mid-base64: read as the truncated file it is"),
    # -- headers and charsets
    Case("unknown_charsets", lambda _c: unknown_charset(), "stored"),
    Case("broken_encoded_words", lambda _c: broken_encoded_words(), "stored"),
    Case("eight_bit_headers", lambda _c: eight_bit_headers(), "stored"),
    Case("missing_from", lambda _c: missing_from(), "quarantined", ("saknar e-postadress",)),
    Case("duplicate_from", lambda _c: duplicate_from(), "quarantined", ("saknar e-postadress",)),
    Case("subject_100kb", lambda _c: long_header_line("Subject"), "stored"),
    Case("x_header_100kb", lambda _c: long_header_line("X-Filler"), "stored"),
    Case("from_100kb", lambda _c: long_from_line(), "quarantined", ("saknar e-postadress",)),
    # -- filenames
    Case("filename_nul_rfc2231", lambda _c: named_form(f"Lägesbild\x00.exe-{MARKER}.docx"), "stored"),
    Case("filename_nul_raw", lambda _c: raw_nul_filename(), "stored"),
    Case("filename_traversal", lambda _c: named_form(f"../../{MARKER}-x.docx"), "stored",
         chosen_names=(f"{MARKER}-x.docx",)),
    Case("filename_windows_path", lambda _c: named_form(f"C:\\Windows\\System32\\{MARKER}-x.docx", "raw"), "stored"),
    Case("filename_etc_passwd", lambda _c: named_form("/etc/passwd", "encoded-word"), "stored",
         chosen_names=("passwd",)),
    Case("filename_5000_chars", lambda _c: named_form(MARKER + "L" * 5000 + ".docx"), "stored"),
    Case("filename_rtl_override", lambda _c: named_form(f"Lägesbild-{MARKER}\u202excod.exe"), "stored",
         what="'Lägesbild\u202excod.exe' shows as 'Lägesbildexe.docx' in a mail client"),
    # -- PDFs that cost
    Case("pdf_slow_text", _f(name("seg", "pdf"), slow_text_pdf, PDF), "rejected", ("för lång tid|inga frågor",),
         slow=True, what="pdfium reads it in well under a second: refused as no form (or by the time cap)"),
    Case("pdf_50000_pages", _f(name("sidor", "pdf"), many_pages_pdf, PDF), "rejected",
         ("50000 sidor|för lång tid",), what="refused by the page cap, or by the time cap on a slow machine"),
    Case("pdf_image_only", _f(name("skannad", "pdf"), image_only_pdf, PDF), "rejected", ("inskannad",)),
    # -- odd but harmless
    Case("empty_attachment", _f(name("tom", "docx"), lambda: b""), "rejected", (NO_FORM,)),
    Case("word97_doc", _f(name("gammal", "doc"), word97_doc, "application/msword"), "rejected", (".doc",)),
    Case("rtf_document", _f(name("rtf", "rtf"), rtf_document, "application/rtf"), "rejected", ("RTF",)),
    Case("html_only_body", lambda _c: mails.body_only_form(SENDER, MUNICIPALITY, html_only=True), "stored"),
    Case("calendar_invite_only", lambda _c: calendar_only(), "rejected", (NO_FORM,)),
)


def case(case_id: str) -> Case:
    """The case named `case_id`."""
    for c in CASES:
        if c.id == case_id:
            return c
    raise KeyError(case_id)
