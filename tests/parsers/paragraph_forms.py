"""A Word form typed as plain paragraphs: header lines, then per question its heading lines,
"Påverkan: 2" where the question has an impact, and "Kommentar: …"."""

from __future__ import annotations

import io
from collections.abc import Callable

import docx

from parsers.form import FormSpec, Question


def paragraph_docx(form: FormSpec, header: list[str], heading: Callable[[Question], list[str]],
                   comment: Callable[[Question], str]) -> bytes:
    """The .docx bytes of `form` written out paragraph by paragraph."""
    document = docx.Document()
    for line in [form.title, *header]:
        document.add_paragraph(line)
    for question in form.questions:
        for line in heading(question):
            document.add_paragraph(line)
        if question.impact:
            document.add_paragraph("Påverkan: 2")
        document.add_paragraph(f"Kommentar: {comment(question)}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
