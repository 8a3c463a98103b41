"""Parsing benchmark: median and p95 milliseconds per file and format.

Builds a few hundred varied forms with the test corpus builders, parses each
(in process, and once more in the capped child process the worker uses), and
prints the figures beside a floor measured on the same files in the same run:
for zip formats, unzipping every part and parsing its XML with lxml; for PDF,
extracting the text layer with pdfium; for .xls, opening it with xlrd.

Then the long, table-heavy PDFs (16 and 50 pages of ruled tables) get a row
each: seconds in process, pdfium's text floor, and seconds in the capped
reader process with the outcome there (read, or the refusal).

The generated form variants (tests/variants/: a pairwise-covering sample of
`--variants` forms of every producer, PDFs included) are parsed too, counted
in the per-format rows and given a row of their own per format.

    python bench/parse.py [--copies 8] [--variants 300] [--no-libreoffice] [--repeat 3] [--no-large]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lxml import etree  # noqa: E402

from flow.sandbox import parse_isolated  # noqa: E402
from parsers import parse_bytes  # noqa: E402
from parsers.form import FormSpec, default_form  # noqa: E402
from parsers.limits import Limits  # noqa: E402
from parsers.sniff import detect_format  # noqa: E402


def floor_zip(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            raw = zf.read(name)
            if name.endswith((".xml", ".rels")):
                etree.fromstring(raw)


def floor_pdf(data: bytes) -> None:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    for page in pdf:
        page.get_textpage().get_text_range()
    pdf.close()


def floor_xls(data: bytes) -> None:
    import xlrd

    xlrd.open_workbook(file_contents=data)


def floor_text(data: bytes) -> None:
    data.decode("utf-8", errors="replace").splitlines()


FLOORS: dict[str, Callable[[bytes], None]] = {
    "docx": floor_zip, "docm": floor_zip, "xlsx": floor_zip, "xlsm": floor_zip, "odt": floor_zip,
    "ods": floor_zip, "pdf": floor_pdf, "xls": floor_xls, "text": floor_text,
}


def timed(func: Callable[[], object], repeat: int) -> float:
    """Best of `repeat` runs, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--copies", type=int, default=8, help="variants per corpus case")
    args.add_argument("--repeat", type=int, default=3, help="runs per file (the best counts)")
    args.add_argument("--no-libreoffice", action="store_true", help="skip cases built with LibreOffice")
    args.add_argument("--no-large", action="store_true", help="skip the long, table-heavy PDFs")
    args.add_argument("--variants", type=int, default=300, help="generated form variants (0: none)")
    opts = args.parse_args()

    from tests.builders.cases import variant_cases
    from tests.support import libreoffice

    use_lo = libreoffice.available() and not opts.no_libreoffice
    cases = [c for c in variant_cases(opts.copies) if use_lo or not c.needs_libreoffice]
    start = time.perf_counter()
    files = [(c.filename, c.build()) for c in cases]
    generated = variant_files(opts.variants, use_lo)
    files += generated
    print(f"built {len(files)} files ({len(generated)} generated variants) in {time.perf_counter() - start:.1f} s")

    form, limits = default_form(), Limits()
    for name, data in files[:5]:  # warm caches and imports
        parse_bytes(data, name, form, limits)
    by_format: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for name, data in files:
        try:
            fmt = detect_format(data, name).value
        except Exception:  # noqa: BLE001 - files refused by sniffing are counted apart
            fmt = "refused"
        parse_ms = timed(lambda d=data, n=name: parse_bytes(d, n, form, limits), opts.repeat)  # type: ignore[misc]
        floor = FLOORS.get(fmt)
        floor_ms = float("nan")
        if floor is not None:
            try:
                floor_ms = timed(lambda d=data, f=floor: f(d), opts.repeat)  # type: ignore[misc]
            except Exception:  # noqa: BLE001 - a hostile or broken file has no floor
                floor_ms = float("nan")
        isolated_ms = timed(lambda d=data, n=name: parse_isolated(d, n, form, limits), 1)  # type: ignore[misc]
        by_format[fmt].append((parse_ms, floor_ms, isolated_ms))
        if name.startswith(_GENERATED):
            by_format[f"gen-{fmt}"].append((parse_ms, floor_ms, isolated_ms))

    print(f"{'format':8} {'files':>5} {'median ms':>10} {'p95 ms':>8} {'floor med':>10} {'ratio':>6} "
          f"{'isolated med':>13}")
    for fmt, rows in sorted(by_format.items()):
        parse = [r[0] for r in rows]
        floors = [r[1] for r in rows if r[1] == r[1]]
        isolated = [r[2] for r in rows]
        floor_med = statistics.median(floors) if floors else float("nan")
        ratio = statistics.median(parse) / floor_med if floors else float("nan")
        print(f"{fmt:8} {len(rows):5d} {statistics.median(parse):10.2f} {p95(parse):8.2f} {floor_med:10.2f} "
              f"{ratio:6.1f} {statistics.median(isolated):13.2f}")
    everything = [r[0] for fmt, rows in by_format.items() if not fmt.startswith("gen-") for r in rows]
    print(f"{'all':8} {len(everything):5d} {statistics.median(everything):10.2f} {p95(everything):8.2f}"
          f"   -> {1000 / statistics.mean(everything):.0f} files/s on one core (in process)")
    if not opts.no_large:
        large_pdfs(form, limits, use_lo)


_GENERATED = "variant-"


def variant_files(size: int, use_lo: bool) -> list[tuple[str, bytes]]:
    """A pairwise-covering sample of the generated form variants, as (name, bytes); the
    producers that need LibreOffice only when it is there (its conversions are cached)."""
    if size <= 0:
        return []
    from tests.variants.axes import OUTPUT, product, sample
    from tests.variants.build import build_source, convert

    chosen = [v for v in sample(product(0), size, 0) if use_lo or not OUTPUT[v.producer][1]]
    built = convert([build_source(v, 0) for v in chosen], parallel=2)
    return [(f"{_GENERATED}{b.variant.name}-{b.filename}", b.data) for b in built if b.data is not None]


def large_pdfs(form: FormSpec, limits: Limits, use_lo: bool) -> None:
    """Long, table-heavy PDFs, one row each (not in the medians above): in process and under the caps.

    The form with 15 and 49 pages of Word appendix tables (LibreOffice), and
    50 pages each ruled into a 60 x 12 grid (an Excel sheet printed with
    gridlines). Each is timed once: the old reader took seconds on them.
    """
    from tests.parsers.large_pdfs import table_heavy_pdf
    from tests.parsers.test_pdf_large import ruled_pages

    files = [("pdf 50p grid", ruled_pages(50))]
    if use_lo:
        files = [("pdf 16p lo", table_heavy_pdf(16)), ("pdf 50p lo", table_heavy_pdf(50)), *files]
    print(f"{'large':12} {'seconds':>8} {'floor s':>8} {'isolated s':>11}  outcome under the caps")
    for name, data in files:
        seconds = timed(lambda d=data: parse_bytes(d, "Bilaga.pdf", form, limits), 1) / 1000  # type: ignore[misc]
        floor = timed(lambda d=data: floor_pdf(d), 1) / 1000  # type: ignore[misc]
        start = time.perf_counter()
        result = parse_isolated(data, "Lägesbild Ludvika oktober 2026.pdf", form, limits)
        isolated = time.perf_counter() - start
        refused = [i.message for i in result.issues if i.field == "file"]
        outcome = f"refused: {refused[0][:60]}" if refused else "read"
        print(f"{name:12} {seconds:8.2f} {floor:8.2f} {isolated:11.2f}  {outcome}")


if __name__ == "__main__":
    main()
