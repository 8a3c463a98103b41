"""The visible text of an HTML mail body: blocks become lines, table cells are tab-separated."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK_TAGS = frozenset({"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
                         "blockquote", "pre", "hr", "section", "article", "header", "footer", "dt", "dd"})
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "template"})


class _TextFromHtml(HTMLParser):
    """Visible text of an HTML body: blocks become lines, table cells are tab-separated."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip = 0
        self.pre = 0
        self.cells_in_row = 0

    def _break(self) -> None:
        line = "".join(self.current)
        if not self.pre:
            # Collapse spaces inside each table cell; the tabs between cells stay.
            line = "\t".join(re.sub(r"[ \u00a0]+", " ", cell).strip() for cell in line.split("\t")).strip()
        self.lines.append(line)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in ("td", "th"):
            if self.cells_in_row:
                self.current.append("\t")
            self.cells_in_row += 1
        elif tag in _BLOCK_TAGS:
            if tag == "pre":
                self.pre += 1
            if tag == "tr":
                self.cells_in_row = 0
            if self.current or tag == "br":
                self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS and tag != "br":
            if self.current:
                self._break()
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            if tag == "tr":
                self.cells_in_row = 0

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            self.current.append(data)
            return
        # Layout whitespace between tags is not text; a &nbsp; is (Outlook's empty line).
        if not data.strip(" \t\r\n\f") and not "".join(self.current).strip(" \t\r\n\f"):
            return
        self.current.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def html_to_text(html: str) -> str:
    """The visible text of an HTML body, entities decoded, one line per block."""
    parser = _TextFromHtml()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # HTMLParser on some malformed declarations
        pass
    if parser.current:
        parser._break()
    text = "\n".join(parser.lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
