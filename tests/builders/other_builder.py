"""LibreOffice conversions, OpenDocument (odfpy), .xls (xlwt), plain text and broken files.

LibreOffice is slow to start, so conversions are batched: `convert_many`
converts every pending source in one `soffice` call per target format (the
calls for different targets run in parallel, each with its own throw-away
user profile so they cannot collide with another soffice), and keeps the
results in a module-level cache keyed by a hash of the source's *content*
(zip members, not zip timestamps), mirrored to a disk cache so a second test
run needs no soffice at all. Set LAGESBILD_LO_CACHE=off to disable the disk
cache, or to a directory to move it.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from tests.builders import Filled
from tests.builders.docx_builder import (
    BlockControl,
    Doc,
    Para,
    Table,
    TextBox,
    build_docx,
    doc_lines,
    inline_text,
    layout,
)
from tests.builders.xlsx_builder import Sheet, sheets

# --------------------------------------------------------------------------
# LibreOffice
# --------------------------------------------------------------------------

#: target -> (--convert-to argument, output extension)
FILTERS: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "pdf"),
    "odt": ("odt", "odt"),
    "ods": ("ods", "ods"),
    "doc": ("doc:MS Word 97", "doc"),
    "xlsx": ("xlsx:Calc MS Excel 2007 XML", "xlsx"),
    "xls": ("xls:MS Excel 97", "xls"),
}


class ConversionError(RuntimeError):
    """LibreOffice did not produce the expected output file."""


@dataclass(frozen=True)
class Conversion:
    """One file to convert: source bytes, its extension, and the target format."""

    source: bytes
    src_ext: str
    target: str

    @property
    def key(self) -> str:
        """A hash of the source's content (zip timestamps ignored) and the target."""
        return content_hash(self.source) + "." + self.src_ext + "-to-" + self.target


def content_hash(data: bytes) -> str:
    """sha256 of a file's content; for a zip package, of its members' names and bytes.

    python-docx/openpyxl stamp zip entries and core properties with the
    current time, so raw bytes differ between runs while the content does not.
    """
    h = hashlib.sha256()
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for name in sorted(z.namelist()):
                    if name == "docProps/core.xml":
                        continue
                    h.update(name.encode() + b"\0" + z.read(name) + b"\0")
            return h.hexdigest()[:32]
        except zipfile.BadZipFile:
            pass
    h.update(data)
    return h.hexdigest()[:32]


_CACHE: dict[str, bytes] = {}


def soffice_path() -> str | None:
    """The LibreOffice executable, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_available() -> bool:
    """True when `soffice` can be run."""
    return soffice_path() is not None


def disk_cache() -> Path | None:
    """The LibreOffice conversion cache on disk ($LAGESBILD_LO_CACHE; "off" disables it)."""
    setting = os.environ.get("LAGESBILD_LO_CACHE", "")
    if setting.lower() in ("off", "0", "no"):
        return None
    path = Path(setting) if setting else Path(tempfile.gettempdir()) / f"lagesbild-lo-cache-{os.getuid()}"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path


def cached(conv: Conversion) -> bytes | None:
    """The converted bytes if already known (memory, then disk)."""
    return cached_by_key(conv.key)


def cached_by_key(key: str) -> bytes | None:
    """A conversion's bytes by its content key, if known (memory, then disk)."""
    if key in _CACHE:
        return _CACHE[key]
    disk = disk_cache()
    if disk is not None:
        hit = disk / key
        if hit.is_file() and hit.stat().st_size > 0:
            _CACHE[key] = hit.read_bytes()
            return _CACHE[key]
    return None


def store_by_key(key: str, data: bytes) -> None:
    """Remember a conversion's bytes in memory and on disk (written aside, then moved into place)."""
    _CACHE[key] = data
    disk = disk_cache()
    if disk is not None:
        part = disk / f"{key}.{os.getpid()}.part"
        part.write_bytes(data)
        part.replace(disk / key)


def convert_many(items: Iterable[Conversion], timeout: float = 300.0) -> None:
    """Convert all pending items: one soffice call per target, run in parallel."""
    soffice = soffice_path()
    pending: dict[str, Conversion] = {}
    for conv in items:
        if cached(conv) is None:
            pending[conv.key] = conv
    if not pending:
        return
    if soffice is None:
        raise ConversionError("LibreOffice (soffice) is not installed")
    groups: dict[str, list[Conversion]] = {}
    for conv in pending.values():
        groups.setdefault(conv.target, []).append(conv)
    with tempfile.TemporaryDirectory(prefix="lagesbild-lo-") as tmp:
        procs: list[tuple[str, subprocess.Popen[bytes], Path, list[Conversion]]] = []
        for target, convs in groups.items():
            indir, outdir = Path(tmp, f"in-{target}"), Path(tmp, f"out-{target}")
            indir.mkdir()
            outdir.mkdir()
            files = []
            for conv in convs:
                src = indir / f"{conv.key}.{conv.src_ext}"
                src.write_bytes(conv.source)
                files.append(str(src))
            profile = Path(tmp, f"profile-{target}").as_uri()
            cmd = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                   "--nolockcheck", "--nodefault", "--nologo", "--convert-to",
                   FILTERS[target][0], "--outdir", str(outdir), *files]
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            procs.append((target, proc, outdir, convs))
        failures = []
        for target, proc, outdir, convs in procs:
            try:
                _, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                failures.append(f"{target}: soffice timed out")
                continue
            ext = FILTERS[target][1]
            for conv in convs:
                out = outdir / f"{conv.key}.{ext}"
                if not out.is_file():
                    failures.append(f"{target}: no output for {conv.key} ({err.decode(errors='replace')[-300:]})")
                    continue
                store_by_key(conv.key, out.read_bytes())
        if failures:
            raise ConversionError("; ".join(failures))


def convert(source: bytes, src_ext: str, target: str) -> bytes:
    """Convert one file with LibreOffice (cached; batch first with `convert_many`)."""
    conv = Conversion(source, src_ext, target)
    hit = cached(conv)
    if hit is None:
        convert_many([conv])
        hit = _CACHE[conv.key]
    return hit


# --------------------------------------------------------------------------
# OpenDocument with odfpy (no LibreOffice needed)
# --------------------------------------------------------------------------


def build_odt(f: Filled, layout_kind: str = "template") -> bytes:
    """A filled form as .odt written directly with odfpy (lists, tables, a text box)."""
    from odf.draw import Frame
    from odf.draw import TextBox as OdfTextBox
    from odf.opendocument import OpenDocumentText
    from odf.style import ParagraphProperties, Style, TextProperties
    from odf.table import Table as OdfTable
    from odf.table import TableCell, TableColumn, TableRow
    from odf.text import H, List, ListItem, P

    doc: Doc = layout(f, layout_kind)
    odt = OpenDocumentText()
    bold = Style(name="Rubrik", family="paragraph")
    bold.addElement(TextProperties(fontweight="bold", fontsize="14pt"))
    bold.addElement(ParagraphProperties(margintop="0.2cm"))
    odt.styles.addElement(bold)

    def odf_para(para: Para, parent: object) -> None:
        text = "".join(inline_text(p) for p in para.parts)
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if para.style == "List Bullet":
                lst = List()
                item = ListItem()
                item.addElement(P(text="• " + line if i == 0 else line))
                lst.addElement(item)
                parent.addElement(lst)  # type: ignore[attr-defined]
            elif para.style in ("Title", "Heading 1"):
                parent.addElement(H(outlinelevel=1, stylename=bold, text=line))  # type: ignore[attr-defined]
            else:
                parent.addElement(P(text=line))  # type: ignore[attr-defined]
        for part in para.parts:
            if isinstance(part, TextBox):
                frame = Frame(width="16cm", height="3cm", anchortype="paragraph")
                box = OdfTextBox()
                for inner in part.paras:
                    odf_para(inner, box)
                frame.addElement(box)
                holder = P()
                holder.addElement(frame)
                parent.addElement(holder)  # type: ignore[attr-defined]

    for block in doc.body:
        if isinstance(block, Para):
            odf_para(block, odt.text)
        elif isinstance(block, BlockControl):
            for p in block.paras:
                odf_para(p, odt.text)
        elif isinstance(block, Table):
            ncols = max(len(r) for r in block.rows)
            table = OdfTable(name="Lagesbild")
            table.addElement(TableColumn(numbercolumnsrepeated=ncols))
            for row in block.rows:
                tr = TableRow()
                for cell in row:
                    tc = TableCell()
                    for p in cell:
                        odf_para(p, tc)
                    tr.addElement(tc)
                table.addElement(tr)
            odt.text.addElement(table)
    buf = io.BytesIO()
    odt.write(buf)
    return buf.getvalue()


def build_ods(f: Filled, layout_kind: str = "rows") -> bytes:
    """A filled form as .ods written directly with odfpy (numbers as float cells)."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table as OdfTable
    from odf.table import TableCell, TableRow
    from odf.text import P

    ods = OpenDocumentSpreadsheet()
    for sh in sheets(f, layout_kind):
        table = OdfTable(name=sh.name)
        for row in sh.rows:
            tr = TableRow()
            for value in row:
                if value is None:
                    tc = TableCell()
                elif isinstance(value, bool):
                    raise TypeError("no booleans in forms")
                elif isinstance(value, (int, float)):
                    tc = TableCell(valuetype="float", value=value)
                    tc.addElement(P(text=str(value)))
                elif isinstance(value, (date, datetime)):
                    tc = TableCell(valuetype="date", datevalue=value.isoformat())
                    tc.addElement(P(text=value.strftime("%Y-%m-%d")))
                else:
                    tc = TableCell(valuetype="string")
                    for line in str(value).split("\n"):
                        tc.addElement(P(text=line))
                tr.addElement(tc)
            table.addElement(tr)
        ods.spreadsheet.addElement(table)
    buf = io.BytesIO()
    ods.write(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------
# .xls with xlwt
# --------------------------------------------------------------------------


def render_xls(sheet_list: list[Sheet]) -> bytes:
    """Write sheets as a BIFF8 .xls with xlwt (every number becomes a float)."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    wrap = xlwt.easyxf("alignment: wrap on, vert top")
    month = xlwt.easyxf(num_format_str="mmmm yyyy")
    head = xlwt.easyxf("font: bold on")
    for sh in sheet_list:
        ws = wb.add_sheet(sh.name[:31])
        for r, row in enumerate(sh.rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, (date, datetime)):
                    ws.write(r, c, value, month)
                elif isinstance(value, str) and "\n" in value:
                    ws.write(r, c, value, wrap)
                elif r == 0 or value in ("Fråga", "Påverkan (1-5)", "Kommentar"):
                    ws.write(r, c, value, head)
                else:
                    ws.write(r, c, value)
        for i, width in enumerate(sh.widths):
            ws.col(i).width = int(width * 256)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def build_xls(f: Filled, layout_kind: str = "rows") -> bytes:
    """A filled form as a legacy .xls workbook."""
    return render_xls(sheets(f, layout_kind))


# --------------------------------------------------------------------------
# Plain text, RTF and broken files
# --------------------------------------------------------------------------


def build_text(f: Filled, layout_kind: str = "variant", *, encoding: str = "utf-8",
               preamble: tuple[str, ...] = ()) -> bytes:
    """The form pasted into a plain-text file (e.g. from an e-mail), Windows line ends."""
    lines = list(preamble) + doc_lines(layout(f, layout_kind))
    return "\r\n".join(lines).encode(encoding)


def build_rtf(f: Filled) -> bytes:
    """A minimal RTF export of the template (RTF is refused by the parser)."""
    def esc(s: str) -> str:
        out = []
        for ch in s:
            if ch in "\\{}":
                out.append("\\" + ch)
            elif ord(ch) > 127:
                out.append(f"\\u{ord(ch) if ord(ch) < 32768 else ord(ch) - 65536}?")
            else:
                out.append(ch)
        return "".join(out)

    body = "\\par\n".join(esc(line) for line in doc_lines(layout(f, "template")))
    return ("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Calibri;}}\\f0\\fs22\n" + body
            + "\\par\n}").encode("ascii")


def truncated(data: bytes, keep: float = 0.55) -> bytes:
    """The first part of a file, as an interrupted download or a broken attachment leaves it."""
    return data[: int(len(data) * keep)]


def zip_not_docx() -> bytes:
    """A zip archive (e.g. a zipped folder) that someone named .docx."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("Lägesbild/anteckningar.txt", "Utkast till lägesbild, ej klar.\n")
        z.writestr("Lägesbild/bild.txt", "bild saknas")
    return buf.getvalue()


def lo_doc_source(f: Filled, layout_kind: str = "template") -> Conversion:
    """The docx -> .doc (Word 97) conversion of a filled form."""
    return Conversion(build_docx(f, layout_kind), "docx", "doc")


__all__ = [
    "Conversion", "ConversionError", "FILTERS", "build_ods", "build_odt", "build_rtf",
    "build_text", "build_xls", "cached", "content_hash", "convert", "convert_many",
    "libreoffice_available", "render_xls", "truncated", "zip_not_docx",
]
