"""Look at one variant: what was written, what the parser read, field by field.

    python -m tests.variants.probe producer=wordml layout=next_line anomaly=invalid_7 [seed=0] [out=FILE]
    python -m tests.variants.probe variant=v00123 [seed=0]     (one variant of the product)
    python -m tests.variants.probe producer=openpyxl q3="Påverkan på tryggheten är liten."

qN=TEXT types TEXT (as it stands, no markup; " // " separates paragraphs) as question N's comment.

Axes not named take their first value (axes.py). Prints the file's text as a
reader sees it (paragraphs, table rows as "a | b", PDF text and form fields),
then each field's truth, reading and outcome, then the parser's issues.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

from tests.variants.axes import AXES, Variant, product
from tests.variants.build import build_source, convert, evaluate
from tests.variants.compare import shown
from tests.variants.content import FormContent
from tests.variants.texts import CPara


def _docx_lines(data: bytes) -> list[str]:
    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    body = root.find(f"{w}body")
    assert body is not None

    def para(p: etree._Element) -> str:
        out = []
        for el in p.iter():
            if el.tag == f"{w}t":
                out.append(el.text or "")
            elif el.tag == f"{w}delText":
                out.append(f"[-{el.text or ''}-]")
            elif el.tag == f"{w}tab":
                out.append("\\t")
            elif el.tag == f"{w}br":
                out.append("\\n")
            elif el.tag == f"{w}sym":
                out.append(f"<sym {el.get(f'{w}char')}>")
            elif el.tag == f"{w}numPr":
                out.append("<list> ")
        return "".join(out)

    lines = []
    for block in body:
        if block.tag == f"{w}p":
            lines.append(para(block))
        elif block.tag == f"{w}tbl":
            for tr in block.iter(f"{w}tr"):
                lines.append(" | ".join(" / ".join(para(p) for p in tc.iter(f"{w}p")) for tc in tr.iter(f"{w}tc")))
    return lines


def _sheet_lines(data: bytes, ext: str) -> list[str]:
    rows: list[list[object]] = []
    if ext == "xlsx":
        import openpyxl

        ws = openpyxl.load_workbook(io.BytesIO(data)).active
        assert ws is not None
        rows = [[c.value for c in r] for r in ws.iter_rows()]
    elif ext == "xls":
        import xlrd

        sh = xlrd.open_workbook(file_contents=data).sheet_by_index(0)
        rows = [sh.row_values(i) for i in range(sh.nrows)]
    return [" | ".join("" if v in (None, "") else repr(v) if not isinstance(v, str) else v.replace("\n", "\\n")
                       for v in r).rstrip(" |") for r in rows]


def _odf_lines(data: bytes) -> list[str]:
    xml = zipfile.ZipFile(io.BytesIO(data)).read("content.xml").decode()
    xml = re.sub(r"<text:tab/>", "\\\\t", xml)
    xml = re.sub(r"<text:line-break/>", "\\\\n", xml)
    xml = re.sub(r"</table:table-cell>", " | ", xml)
    xml = re.sub(r"</(text:p|text:h|table:table-row)>", "\n", xml)
    return [re.sub(r"<[^>]+>", "", line) for line in xml.split("\n")]


def _pdf_lines(data: bytes) -> list[str]:
    import pdfplumber
    from pypdf import PdfReader

    lines = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for n, pg in enumerate(pdf.pages, 1):
            lines.append(f"--- page {n}")
            lines += (pg.extract_text() or "").splitlines()
    fields = PdfReader(io.BytesIO(data)).get_fields() or {}
    lines += [f"field {k} = {v.get('/V')!r}" for k, v in fields.items() if v.get("/V") not in (None, "", "/Off")]
    return lines


def text_lines(data: bytes, ext: str) -> list[str]:
    """The file's text as a reader sees it."""
    if ext == "docx":
        return _docx_lines(data)
    if ext in ("xlsx", "xls"):
        return _sheet_lines(data, ext)
    if ext in ("odt", "ods"):
        return _odf_lines(data)
    return _pdf_lines(data)


def main(argv: list[str]) -> int:
    opts = dict(a.split("=", 1) for a in argv)
    seed = int(opts.pop("seed", "0"))
    out = opts.pop("out", "")
    name = opts.pop("variant", "")
    typed = {int(k[1:]): opts.pop(k) for k in list(opts) if re.fullmatch(r"q[1-7]", k)}
    axes = {a: opts.pop(a, vals[0]) for a, vals in AXES.items()}
    if opts:
        print(f"unknown: {', '.join(opts)}; axes: {', '.join(AXES)}", file=sys.stderr)
        return 2
    v = Variant(index=99999, replicate=0, **axes)
    if name:
        v = product(seed)[int(name.lstrip("v"))]

    def edit(c: FormContent) -> FormContent:
        return replace(c, items=tuple(
            replace(it, comment=tuple(CPara(p, literal=True) for p in typed[it.q].split(" // ")))
            if it.q in typed else it for it in c.items))

    b = convert([build_source(v, seed, edit if typed else None)])[0]
    if b.data is None:
        print(b.error)
        return 1
    if out:
        Path(out).write_bytes(b.data)
    print(f"# {v.describe()}  ({b.filename})")
    for line in text_lines(b.data, v.ext):
        if line.strip():
            print("  " + line[:220])
    ev = evaluate(b)
    print("# fields")
    for f in ev.fields:
        truth = b.truth[f.name]
        flag = " (must flag)" if truth.flag else ""
        print(f"  {f.outcome.value:9s} {f.name:13s} truth {shown(truth.value, 90)}{flag}")
        if f.outcome.value != "right":
            print(f"  {'':9s} {'':13s} read  {shown(f.got, 90)}")
    print("# issues")
    for i in ev.issues:
        print("  " + i)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
