"""The digest mail at 600 px, styled the way Outlook reads it: every style in the element's own attribute.

The template writes its styles once in a <style> block; outputs.replies.render inlines them (css-inline).
These tests read the rendered HTML: no <style> block is left, the classes' rules landed on the elements,
the data's colours were kept over the rules, and every table fits the 600 px frame, for every shipped form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

import parsers
from outputs.digest import Digest, build_digest
from outputs.replies import render
from parsers.form import FormSpec, default_form, load_form
from parsers.result import Period
from tests.builders.picture import make_picture

OCT = Period(2026, 10)
FRAME = 600
FORMS = sorted((Path(parsers.__file__).parent / "forms").glob("*.toml"))


def _declarations(style: str) -> dict[str, str]:
    pairs = (part.split(":", 1) for part in style.split(";") if ":" in part)
    return {k.strip().lower(): v.strip() for k, v in pairs}


def _px(value: str) -> int | None:
    found = re.fullmatch(r"(\d+)(?:px)?", value.strip())
    return int(found.group(1)) if found else None


@dataclass
class _Table:
    width: int | None
    rows: list[list[int | None]] = field(default_factory=list)


class _Layout(HTMLParser):
    """Each table's width and its rows' cell widths (colspan cells left out), and every element's style."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Table] = []
        self.tables: list[_Table] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.style_blocks = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.elements.append((tag, a))
        if tag == "style":
            self.style_blocks += 1
        elif tag == "table":
            width = _px(a["width"]) if "width" in a and not a["width"].endswith("%") else None
            self.stack.append(_Table(width))
            self.tables.append(self.stack[-1])
        elif tag == "tr" and self.stack:
            self.stack[-1].rows.append([])
        elif tag in ("td", "th") and self.stack and self.stack[-1].rows and "colspan" not in a:
            style_width = _declarations(a.get("style", "")).get("width")
            self.stack[-1].rows[-1].append(_px(a.get("width", "")) or (_px(style_width) if style_width else None))

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.stack:
            self.stack.pop()


def layout(html: str) -> _Layout:
    parsed = _Layout()
    parsed.feed(html)
    parsed.close()
    return parsed


def digest_for(form: FormSpec) -> Digest:
    return build_digest(make_picture(form=form), OCT)


@pytest.fixture(scope="module")
def dalarna() -> Digest:
    return digest_for(default_form())


def test_no_style_block_is_left_and_every_text_element_carries_its_font(dalarna: Digest) -> None:
    page = layout(dalarna.html)
    assert page.style_blocks == 0 and "<style" not in dalarna.html and "class=" in dalarna.html
    for tag, attrs in page.elements:
        if tag in ("p", "h1", "h2", "th", "td"):
            assert "arial" in _declarations(attrs.get("style", "")).get("font-family", "").lower(), (tag, attrs)


def test_the_stylesheet_rules_landed_on_the_elements(dalarna: Digest) -> None:
    page = layout(dalarna.html)
    by_class: dict[str, list[dict[str, str]]] = {}
    for _tag, attrs in page.elements:
        for name in attrs.get("class", "").split():
            by_class.setdefault(name, []).append(_declarations(attrs.get("style", "")))
    [frame] = by_class["frame"]
    assert (frame["width"], frame["max-width"]) == ("600px", "600px")
    assert all(s["border-top"] == "1px solid #E3E3E3" for s in by_class["section"])
    banner = by_class["banner"][0]
    assert banner["background-color"] == "#1F4E79" and banner["padding"] == "16px 20px"
    # A cell's colour comes from the data and wins over the rule's; the rule adds the rest.
    levels = by_class["level"]
    assert len({s["background-color"] for s in levels}) >= 3
    assert all(s["padding"] == "3px 2px" and s["font-size"] == "12px" for s in levels)


@pytest.mark.parametrize("form_file", FORMS, ids=[f.stem for f in FORMS])
def test_every_table_fits_the_600_px_frame(form_file: Path) -> None:
    html = digest_for(load_form(form_file)).html
    page = layout(html)
    widths = [int(w) for w in re.findall(r'\bwidth="(\d+)"', html)]
    widths += [int(w) for w in re.findall(r"\bwidth:\s*(\d+)px", html)]
    assert widths and max(widths) == FRAME
    assert 'width="600"' in html
    inner = [t for t in page.tables if t.width is not None and t.width < FRAME]
    assert inner and all(t.width is not None and t.width <= FRAME - 40 for t in inner)  # inside 20 px margins
    for table in inner:
        assert table.width is not None
        for row in table.rows:
            fixed = [w for w in row if w is not None]
            # Cells with a width add up to at most the table's; the one without takes what is left.
            assert sum(fixed) <= table.width, (table.width, row)
            if None in row:
                assert table.width - sum(fixed) >= 150, (table.width, row)  # room for a question's name


def test_the_receipt_is_inlined_too() -> None:
    html = render("receipt.html.j2", month="oktober 2026", municipality="Orsa", version=1, held=False,
                  filename="Orsa.docx", lines=[], errors=[], warnings=[], period_inferred=False, late=False,
                  mailbox="lagesbild@lansstyrelsen.se", sender_name="Lägesbild", county_name="Dalarnas län")
    assert "<style" not in html
    assert re.search(r'<p class="automatic" style="[^"]*color: #666666', html)
    assert re.search(r'<body style="font-family: Calibri, Arial, sans-serif;font-size: 11pt;?"', html)
