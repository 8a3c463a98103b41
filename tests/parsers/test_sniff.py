"""Format detection from bytes: real files built in code, lying names, broken containers."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
import xlwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from odf.opendocument import OpenDocumentSpreadsheet, OpenDocumentText
from odf.text import P
from reportlab.pdfgen import canvas

from parsers.document import Paragraph
from parsers.limits import Limits, Refused
from parsers.plain import MAX_LINES, read_text
from parsers.result import Format
from parsers.sniff import detect_format

# -- builders -------------------------------------------------------------------


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Fråga 1, Ordningsstörningar och otrygghet")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xlsx() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Kommun:"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _odt() -> bytes:
    doc = OpenDocumentText()
    doc.text.addElement(P(text="Fråga 1"))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _ods() -> bytes:
    doc = OpenDocumentSpreadsheet()
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _pdf() -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.drawString(72, 720, "Fråga 1")
    pdf.save()
    return out.getvalue()


def _xls() -> bytes:
    wb = xlwt.Workbook()
    wb.add_sheet("Svar").write(0, 0, "Kommun:")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _ole_with_stream(name: str) -> bytes:
    """A real OLE2 file (written by xlwt) whose one stream is renamed to `name`.

    A directory entry is 128 bytes: the UTF-16 name (64 bytes) and its byte
    length including the terminator at offset 64.
    """
    data = bytearray(_xls())
    old = "Workbook".encode("utf-16-le")
    start = data.find(old)
    assert start > 0
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    assert len(encoded) <= 64
    data[start : start + 64] = encoded.ljust(64, b"\x00")
    data[start + 64 : start + 66] = len(encoded).to_bytes(2, "little")
    return bytes(data)


def _rezip(data: bytes, replace: dict[str, bytes | None] | None = None) -> bytes:
    """Copy a zip, replacing (bytes) or dropping (None) members, adding new ones."""
    replace = dict(replace or {})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename in replace:
                new = replace.pop(info.filename)
                if new is not None:
                    dst.writestr(info.filename, new, zipfile.ZIP_DEFLATED)
            else:
                dst.writestr(info, src.read(info))
        for name, content in replace.items():
            if content is not None:
                dst.writestr(name, content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


# -- zip containers ---------------------------------------------------------------


def test_office_and_opendocument_files_are_told_apart() -> None:
    assert detect_format(_docx()) is Format.DOCX
    assert detect_format(_xlsx()) is Format.XLSX
    assert detect_format(_odt()) is Format.ODT
    assert detect_format(_ods()) is Format.ODS


def test_the_bytes_win_over_a_lying_extension() -> None:
    assert detect_format(_docx(), "lagesbild.pdf") is Format.DOCX
    assert detect_format(_xlsx(), "lagesbild.docx") is Format.XLSX
    assert detect_format(_pdf(), "lagesbild.xlsx") is Format.PDF
    assert detect_format(_odt(), "Ludvika oktober.doc") is Format.ODT


def test_macro_enabled_word_by_content_type_or_vba_part() -> None:
    data = _docx()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        types = zf.read("[Content_Types].xml")
    macro_types = types.replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    assert macro_types != types
    assert detect_format(_rezip(data, {"[Content_Types].xml": macro_types})) is Format.DOCM
    assert detect_format(_rezip(data, {"word/vbaProject.bin": b"\x00" * 64})) is Format.DOCM


def test_macro_enabled_excel() -> None:
    data = _xlsx()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        types = zf.read("[Content_Types].xml")
    macro_types = types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    assert macro_types != types
    assert detect_format(_rezip(data, {"[Content_Types].xml": macro_types})) is Format.XLSM


def test_word_found_by_part_name_when_content_types_are_wrong() -> None:
    data = _rezip(_docx(), {"[Content_Types].xml": b'<?xml version="1.0"?><Types/>'})
    assert detect_format(data) is Format.DOCX


def test_opendocument_without_mimetype_member_uses_the_manifest() -> None:
    assert detect_format(_rezip(_ods(), {"mimetype": None})) is Format.ODS
    assert detect_format(_rezip(_odt(), {"mimetype": None})) is Format.ODT


def test_opendocument_template_is_read_as_its_kind() -> None:
    data = _rezip(_odt(), {"mimetype": b"application/vnd.oasis.opendocument.text-template"})
    assert detect_format(data) is Format.ODT


def test_other_zips_are_unknown() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("bilder/foto.jpg", b"\xff\xd8\xff" + b"\x00" * 100)
        zf.writestr("lagesbild.docx", _docx())  # a zipped form is not a form
    assert detect_format(out.getvalue(), "lagesbild.docx") is Format.UNKNOWN
    empty = io.BytesIO()
    zipfile.ZipFile(empty, "w").close()
    assert detect_format(empty.getvalue()) is Format.UNKNOWN


def test_binary_excel_workbook_is_refused_with_advice() -> None:
    data = _rezip(
        _xlsx(),
        {
            "xl/workbook.xml": None,
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "xl/workbook.bin": b"\x00" * 32,
        },
    )
    with pytest.raises(Refused, match=r"\.xlsx"):
        detect_format(data)


def test_ambiguous_zip_is_settled_by_the_filename() -> None:
    word = _docx()
    with zipfile.ZipFile(io.BytesIO(_xlsx())) as zf:
        excel_parts = {n: zf.read(n) for n in zf.namelist() if n.startswith("xl/")}
    both = _rezip(word, dict(excel_parts))
    assert detect_format(both, "svar.xlsx") is Format.XLSX
    assert detect_format(both, "svar.docx") is Format.DOCX


def test_truncated_zip_is_refused_as_damaged() -> None:
    data = _docx()
    with pytest.raises(Refused, match="Filen är skadad"):
        detect_format(data[: len(data) // 2])


def test_zip_with_overwritten_central_directory_is_refused() -> None:
    data = bytearray(_docx())
    directory = data.rfind(b"PK\x01\x02")
    data[directory : directory + 46] = b"\xff" * 46
    with pytest.raises(Refused, match="Filen är skadad"):
        detect_format(bytes(data))


def _garble_member(data: bytes, name: str) -> bytes:
    """Overwrite the compressed bytes of one member (its CRC no longer matters)."""
    out = bytearray(data)
    at = out.find(b"PK\x03\x04")
    while at >= 0:
        name_len, extra_len = struct.unpack_from("<HH", out, at + 26)
        if out[at + 30 : at + 30 + name_len] == name.encode():
            (size,) = struct.unpack_from("<I", out, at + 18)
            start = at + 30 + name_len + extra_len
            out[start : start + size] = b"\xff" * size
            return bytes(out)
        at = out.find(b"PK\x03\x04", at + 4)
    raise AssertionError(name)


def test_zip_with_a_garbled_compressed_part_is_refused() -> None:
    data = _garble_member(_docx(), "[Content_Types].xml")
    with pytest.raises(Refused, match="Filen är skadad"):
        detect_format(data)


def test_zip_with_junk_in_front_is_still_recognised() -> None:
    assert detect_format(b"MAIL-JUNK\r\n" * 4 + _docx() + b"") is Format.DOCX


# -- PDF, OLE2, RTF, text -----------------------------------------------------------


def test_pdf_magic_anywhere_in_the_first_kilobyte() -> None:
    data = _pdf()
    assert detect_format(data) is Format.PDF
    assert detect_format(b"\x00" * 500 + data) is Format.PDF
    assert detect_format(b"\x00" * 2000 + data) is not Format.PDF


def test_ole_streams_decide_between_doc_and_xls() -> None:
    assert detect_format(_xls()) is Format.XLS
    assert detect_format(_ole_with_stream("Book")) is Format.XLS  # Excel 95
    assert detect_format(_ole_with_stream("WordDocument"), "svar.xls") is Format.DOC
    assert detect_format(_ole_with_stream("PowerPoint Document")) is Format.UNKNOWN


@pytest.mark.parametrize("stream", ["EncryptedPackage", "EncryptionInfo"])
def test_password_protected_office_file_is_refused(stream: str) -> None:
    with pytest.raises(Refused, match="lösenordsskyddad") as caught:
        detect_format(_ole_with_stream(stream), "lagesbild.docx")
    assert "ta bort lösenordet" in str(caught.value).lower()
    assert "skicka igen" in str(caught.value)


def test_damaged_ole_file_is_refused() -> None:
    data = _xls()
    with pytest.raises(Refused, match="Filen är skadad"):
        detect_format(data[:600])
    with pytest.raises(Refused, match="Filen är skadad"):
        detect_format(data[:8] + b"\xff" * 600)


def test_rtf() -> None:
    assert detect_format(rb"{\rtf1\ansi Fr\'e5ga 1}", "svar.docx") is Format.RTF


@pytest.mark.parametrize(
    "data",
    [
        "Fråga 1, Ordningsstörningar\nPåverkan: 3\n".encode(),
        "\ufeffFråga 1\r\nPåverkan: 3\r\n".encode(),
        "Fråga 1 – Påverkan: 3\n".encode("cp1252"),
        "\ufeffFråga 1\nPåverkan: 3\n".encode("utf-16-le"),
    ],
)
def test_plain_text(data: bytes) -> None:
    assert detect_format(data) is Format.TEXT


def test_binary_junk_and_whitespace_are_unknown() -> None:
    assert detect_format(bytes(range(256)) * 8) is Format.UNKNOWN
    assert detect_format(b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 100) is Format.UNKNOWN
    assert detect_format(b" \n\n ") is Format.UNKNOWN


# -- never anything but a Format or Refused ------------------------------------------

_SEEDS = [_docx(), _xlsx(), _odt(), _xls(), _pdf()]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(_SEEDS),
    edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=8)), max_size=6),
    cut=st.floats(0.05, 1),
)
def test_damaged_files_give_a_format_or_a_refusal(seed: bytes, edits: list[tuple[float, bytes]], cut: float) -> None:
    data = bytearray(seed)
    for where, junk in edits:
        at = int(where * len(data))
        data[at : at + len(junk)] = junk
    data = data[: max(1, int(len(data) * cut))]
    try:
        assert isinstance(detect_format(bytes(data), "x.docx"), Format)
    except Refused as exc:
        assert str(exc).startswith("Filen")


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes_give_a_format_or_a_refusal(data: bytes) -> None:
    try:
        assert isinstance(detect_format(data), Format)
    except Refused as exc:
        assert str(exc).startswith("Filen")


# -- a real .doc written by LibreOffice --------------------------------------------


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_word_97_file_from_libreoffice_is_doc(tmp_path: Path) -> None:
    source = tmp_path / "svar.docx"
    source.write_bytes(_docx())
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "doc:MS Word 97",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = (tmp_path / "out" / "svar.doc").read_bytes()
    assert detect_format(data, "svar.docx") is Format.DOC


# -- plain text: what a .txt attachment or a pasted mail body becomes -----------------


def _lines(data: bytes) -> tuple[str, ...]:
    document = read_text(data, Limits())
    assert len(document.sections) == 1
    blocks = document.sections[0].blocks
    assert all(isinstance(b, Paragraph) for b in blocks)
    return tuple(b.text for b in blocks if isinstance(b, Paragraph))


def test_text_gives_one_paragraph_per_line_and_keeps_blank_lines() -> None:
    data = "\ufeffFråga 1, Hot och våld  \r\nPåverkan: 2\r\n\r\n   \r\nKommentar:\rInget\n\n\n".encode()
    assert _lines(data) == ("Fråga 1, Hot och våld", "Påverkan: 2", "", "", "Kommentar:", "Inget")


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("Påverkan – 3 (Oroande)".encode("cp1252"), "Påverkan – 3 (Oroande)"),
        ("Övrigt".encode("latin-1") + b"\x81", "Övrigt\x81"),  # not even cp1252
        ("\ufeffKommun: Älvdalen".encode("utf-16-le"), "Kommun: Älvdalen"),
        ("\ufeffKommun: Älvdalen".encode("utf-16-be"), "Kommun: Älvdalen"),
        (b"Kommun:\x00 Orsa", "Kommun: Orsa"),
    ],
)
def test_text_encodings(data: bytes, text: str) -> None:
    assert _lines(data) == (text,)


def test_mail_quote_markers_are_removed() -> None:
    data = "Hej!\n\n> Fråga 1, Ordningsstörningar\n> Påverkan: 1-5\n2\n>> Kommentar:\n> > djupt\n>\nTack".encode()
    assert _lines(data) == (
        "Hej!",
        "",
        "Fråga 1, Ordningsstörningar",
        "Påverkan: 1-5",
        "2",
        "Kommentar:",
        "djupt",
        "",
        "Tack",
    )


def test_text_with_too_many_lines_is_refused() -> None:
    with pytest.raises(Refused, match="Filen innehåller för mycket text"):
        read_text(b"x\n" * (MAX_LINES + 1), Limits())
    assert len(_lines(b"x\n" * MAX_LINES)) == MAX_LINES
