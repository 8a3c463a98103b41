"""`parse_bytes` is the boundary where files from outside come in: any bytes give a result, never an exception.

Real forms (Word, Excel, PDF) are damaged the ways files are damaged in
transit and storage — bytes changed, cut short, zip members swapped — and
random bytes are offered under every file name. Whatever comes in, the
result keeps the contract: seven answers, impacts on the scale or null, a
JSON shape that serialises, and an issue on `file` whenever the file itself
could not be read.
"""

from __future__ import annotations

import functools
import io
import json
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lagesbild.samples import filled_xlsx, sample_answers, template_docx
from parsers import parse_bytes
from parsers.form import default_form
from parsers.result import ParseResult, Period

FORM = default_form()
OCT = Period(2026, 10)


@functools.cache
def _originals() -> dict[str, bytes]:
    answers = sample_answers(FORM, "Mora", OCT)
    docx = template_docx(FORM, "Mora", OCT, answers)
    return {"form.docx": docx, "form.xlsx": filled_xlsx(FORM, "Mora", OCT, answers), "form.pdf": _pdf()}


def _pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    y = 800
    for line in ["Oktober 2026", "Underlaget inlämnat av kommun: Mora",
                 *(t for q in FORM.questions for t in (f"Fråga {q.number}, {q.short}:", "Påverkan: 2",
                                                        "Kommentar: Lugnt."))]:
        page.drawString(50, y, line)
        y -= 18
    page.save()
    return out.getvalue()


def _keeps_the_contract(result: ParseResult, name: str) -> None:
    assert sorted(result.answers) == list(range(1, 8))
    for number, answer in result.answers.items():
        assert answer.impact is None or 1 <= answer.impact <= 5
        assert number != 7 or answer.impact is None
        assert isinstance(answer.comment, str)
    json.dumps(result.to_json(name), ensure_ascii=False)
    if result.unreadable:
        assert all(a.impact is None and a.comment == "" for a in result.answers.values())


_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(name=st.sampled_from(sorted(_originals())), data=st.data())
def test_a_real_form_with_bytes_changed_gives_a_result(name: str, data: st.DataObject) -> None:
    original = bytearray(_originals()[name])
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(original) - 1))
        original[at] = data.draw(st.integers(0, 255))
    _keeps_the_contract(parse_bytes(bytes(original), name), name)


@_SETTINGS
@given(name=st.sampled_from(sorted(_originals())), cut=st.floats(0.0, 1.0))
def test_a_real_form_cut_short_gives_a_result(name: str, cut: float) -> None:
    original = _originals()[name]
    result = parse_bytes(original[: int(len(original) * cut)], name)
    _keeps_the_contract(result, name)


@_SETTINGS
@given(name=st.sampled_from(["form.docx", "form.xlsx"]), data=st.data())
def test_a_zip_with_members_emptied_or_replaced_gives_a_result(name: str, data: st.DataObject) -> None:
    source = zipfile.ZipFile(io.BytesIO(_originals()[name]))
    members = source.namelist()
    victim = data.draw(st.sampled_from(members))
    replacement = data.draw(st.sampled_from([b"", b"<?xml version='1.0'?>", b"<a>", b"\x00\xff" * 10,
                                             b"<!-- x --><?pi y?><root/>"]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for member in members:
            target.writestr(member, replacement if member == victim else source.read(member))
    _keeps_the_contract(parse_bytes(out.getvalue(), name), name)


@_SETTINGS
@given(data=st.binary(max_size=4000), name=st.sampled_from(["a.docx", "a.xlsx", "a.pdf", "a.odt", "a.xls",
                                                           "a.txt", "a", "lägesbild oktober 2026.docx"]))
def test_any_bytes_under_any_name_give_a_result(data: bytes, name: str) -> None:
    _keeps_the_contract(parse_bytes(data, name), name)


@_SETTINGS
@given(prefix=st.sampled_from([b"PK\x03\x04", b"%PDF-1.7\n", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{\\rtf1"]),
       rest=st.binary(max_size=2000))
def test_bytes_that_start_like_a_known_format_give_a_result(prefix: bytes, rest: bytes) -> None:
    _keeps_the_contract(parse_bytes(prefix + rest, "x"), "x")
