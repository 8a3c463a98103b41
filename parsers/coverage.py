"""Did every sentence under a question end up in its answer?

The readers decide, line by line, what is a label, a value, the form's own
text and what is the municipality's answer. On a layout they misjudge, the
usual silent failure is a dropped sentence: a comment that comes out empty
or short while the text stood right there under the question. So after a
section is read, every line of prose between a question's heading and the
next is looked for in that question's comment; what is in neither the
comment nor the form's own vocabulary is an orphan, and the question's
comment is flagged. Pure: typed lines and comments in, orphans out.
"""

from __future__ import annotations

import re

from parsers.anchors import looks_like_question_text
from parsers.form import FormSpec
from parsers.guard import find_leak
from parsers.normalize import fold
from parsers.paragraph_lines import is_heading_fragment
from parsers.placeholders import is_placeholder
from parsers.typed_line import Kind, Line

# A line of fewer words is a label, a value or a heading, not a sentence of an answer.
_MIN_WORDS = 3
_SIGNATURE_RE = re.compile(r"^(med )?(vanlig|vanliga|basta) (halsning|halsningar)\b|^mvh\b|^halsningar\b")
_LEVEL_LIST_RE = re.compile(r"\d\s*[=:-]\s*[a-z]")


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def _prose(text: str, question: int, form: FormSpec) -> bool:
    """A sentence someone wrote, not the form's own text."""
    if len(text.split()) < _MIN_WORDS or is_placeholder(text) or is_heading_fragment(text, form):
        return False
    if find_leak(text, form) is not None:
        return False  # the form's own words: flagged by the guard where they land in an answer
    if looks_like_question_text(text, form.question(question)) >= 0.75:
        return False
    return len(_LEVEL_LIST_RE.findall(fold(text))) < 2  # the scale printed as a legend


def find_orphans(lines: list[Line], chosen: dict[int, int], comments: dict[int, str],
                 form: FormSpec) -> dict[int, list[str]]:
    """Per question, the sentences under its heading that its comment does not hold."""
    starts = sorted((i, q) for q, i in chosen.items())
    out: dict[int, list[str]] = {}
    for n, (start, q) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        comment = _squeeze(comments.get(q, ""))
        missing: list[str] = []
        for line in lines[start + 1:end]:
            if line.kind is Kind.BREAK:
                break
            if line.kind is Kind.TEXT or line.kind is Kind.COMMENT:
                texts = line.text.split("\n")
            elif line.kind is Kind.ANCHOR and line.question != q:
                texts = [line.raw or line.text]
            else:
                continue
            if any(_SIGNATURE_RE.match(fold(t)) for t in texts):
                break
            missing.extend(t for t in texts if _prose(t, q, form) and _squeeze(t) not in comment)
        if missing:
            out[q] = missing
    return out
