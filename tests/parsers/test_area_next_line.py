"""The EST checklist's area label alone on its line with the name on the next ("Område:" Enter
"Vivalla"), in Word paragraphs, a PDF's text and a mail's text: the next non-empty line is the area,
unless it is another label of the form or a question, which is never taken (flagged instead); the
form's own printed text after a blank label is neither taken nor flagged."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

from parsers import parse_bytes
from parsers.normalize import fold
from parsers.result import ParseResult
from tests.builders.pdf_builder import body_font
from tests.parsers.test_forms_as_data import EST, EST_ANSWERS, est_docx_own_words

WEEK_LINE = "Vecka och år: v.43 2026"


def _mail_text(header: list[str]) -> bytes:
    """The checklist typed into a mail: one line per entry of `header`, then the points."""
    lines = [EST.title, "Kommun: Kumla", *header, "", EST.instruction]
    for q in EST.questions:
        answer = EST_ANSWERS[q.number]
        lines += ["", f"Punkt {q.number}, {q.short}: {q.text}"]
        if q.impact:
            lines.append(f"Påverkan: {answer.impact}")
        lines.append(f"Kommentar: {answer.comment}")
    return "\n".join(lines).encode()


def _pdf(header: list[str]) -> bytes:
    """The same lines drawn one per line on A4 pages (a PDF's text layer, as a printed mail gives it)."""
    font = body_font()
    width, height = A4
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    y = height - 56
    for line in _mail_text(header).decode().split("\n"):
        for part in simpleSplit(line, font, 10, width - 112) or [""]:
            if y < 60:
                c.showPage()
                y = height - 56
            c.setFont(font, 10)
            c.drawString(56, y, part)
            y -= 13
    c.save()
    return buf.getvalue()


def _read(fmt: str, header: list[str]) -> ParseResult:
    if fmt == "docx":
        return parse_bytes(est_docx_own_words(tuple(header)), "checklista.docx", form=EST)
    if fmt == "pdf":
        return parse_bytes(_pdf(header), "checklista.pdf", form=EST)
    return parse_bytes(_mail_text(header), "meddelande.txt", form=EST)


# The label as people type it: any of the form's spellings, in any case, with or without a colon.
_LABEL = st.builds(lambda word, case, tail: case(word) + tail,
                   st.sampled_from(EST.labels.area),
                   st.sampled_from([str, str.lower, str.upper, str.capitalize]),
                   st.sampled_from(["", ":", " :", ":  ", " -"]))
_BLANKS = st.integers(min_value=0, max_value=2).map(lambda n: [""] * n)

# Words of the form's vocabulary (labels, question names): an area name made of them could be read as one.
_VOCABULARY = {fold(w) for label in (*EST.labels.municipality, *EST.labels.period, *EST.labels.area,
                                     *EST.labels.impact, *EST.labels.comment, *EST.labels.question,
                                     *EST.labels.stop, *EST.labels.needs_colon)
               for w in label.split()}
_WORD = st.one_of(
    st.sampled_from(["Vivalla", "Baronbackarna", "Brickebacken", "Hovsta", "Tybble", "Markbacken", "Lillån",
                     "Östra", "norra", "centrum", "Söder", "kv. Eken", "Gamla stan", "2"]),
    st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzåäöé"), min_size=3, max_size=12).map(str.capitalize))
_AREA = st.lists(_WORD, min_size=1, max_size=3).map(" ".join)

# What stands under a blank label on a real form: another label with its value, or a question.
_LABELLED = ["Vecka och år: v.43 2026", "Kommun: Kumla", "Stadsdel: Vivalla", "Datum: 2026-10-20",
             "Ifylld av: Anna", "Påverkan: 2", "Kommentar: lugnt", "Läge: 1", "Vecka 43 2026", "Område"]
_QUESTIONS = [*(f"Punkt {q.number}, {q.short}: {q.text}" for q in EST.questions),
              *(q.text for q in EST.questions), "Hur har veckan varit i området?"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(label=_LABEL, blanks=_BLANKS, area=_AREA, fmt=st.sampled_from(["text", "docx", "pdf"]))
def test_the_name_on_the_line_after_the_label_is_the_area(label: str, blanks: list[str], area: str,
                                                         fmt: str) -> None:
    assume(not {fold(w) for w in area.split()} & _VOCABULARY)
    result = _read(fmt, [label, *blanks, area, WEEK_LINE])
    assert result.area == area, (label, blanks, area, fmt)
    assert result.issues_for("area") == []
    assert (result.municipality, str(result.period)) == ("Kumla", "2026-W43")
    assert result.answers == EST_ANSWERS  # the name was not read as anything else


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(label=_LABEL, blanks=_BLANKS, following=st.sampled_from(_LABELLED + _QUESTIONS),
       fmt=st.sampled_from(["text", "docx", "pdf"]))
def test_a_label_or_question_on_the_next_line_is_never_the_area(label: str, blanks: list[str], following: str,
                                                                fmt: str) -> None:
    result = _read(fmt, [label, *blanks, following, WEEK_LINE])
    if fold(following).startswith("stadsdel:"):
        assert result.area == "Vivalla"  # that label's own value, not the line as a whole
        return
    assert result.area is None, (label, following, fmt)
    [issue] = result.issues_for("area")
    assert issue.severity.value == "warning"
    assert "nästa rad är en" in issue.message


def test_the_mail_text_with_the_name_below_the_label() -> None:
    """The issue's case exactly: a mail body "Område:" and on the next line the name."""
    result = _read("text", ["Område:", "Vivalla", WEEK_LINE])
    assert (result.area, str(result.period), result.municipality) == ("Vivalla", "2026-W43", "Kumla")
    assert not result.issues


def test_a_blank_label_followed_by_the_forms_instruction_is_no_area_and_no_issue() -> None:
    """The blank form's "Område:" left empty: the next line is the form's own instruction."""
    result = _read("docx", [WEEK_LINE, "Område:"])
    assert result.area is None and result.issues_for("area") == []


def test_a_name_below_and_another_area_in_the_text_are_flagged_as_two_areas() -> None:
    result = _read("text", ["Område:", "Vivalla", "Stadsdel: Brickebacken", WEEK_LINE])
    assert result.area is None
    [issue] = result.issues_for("area")
    assert "Vivalla" in issue.message and "Brickebacken" in issue.message


def test_the_monthly_form_still_reads_no_area_from_a_label_alone() -> None:
    from parsers.form import default_form

    form = default_form()
    lines = ["Område:", "Vivalla", "Underlaget inlämnat av kommun: Mora", "Månad: Oktober 2026"]
    for q in form.questions:
        lines.append(f"Fråga {q.number}, {q.short}: {q.text}")
        if q.impact:
            lines.append("Påverkan: 2")
        lines.append("Kommentar: Lugnt.")
    result = parse_bytes("\n".join(lines).encode(), "m.txt", form=form)
    assert result.area is None and not result.issues_for("area")
    assert (result.municipality, str(result.period)) == ("Mora", "2026-10")
