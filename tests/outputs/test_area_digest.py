"""The leadership digest names each EST report's area wherever it names the municipality's report:
the colour table (HTML and text), the late list, the changes, the severe answers and the notes;
a municipality without a report or a report without an area is named as before, and a form without
the area label (the monthly form) gives the same digest whatever its pictures carry. Any area text
keeps the digest safe: one line, under the text rule, escaped in the HTML."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outputs.digest import Digest, build_digest
from outputs.digest_history import AREA_CHARS
from outputs.picture import CountyPicture, MonthReport, MonthState
from outputs.safe_text import BIDI_CONTROLS, safe_text
from parsers.result import Period
from tests.builders.picture import make_picture
from tests.outputs.test_workbook_weekly import TZ, weekly_picture

W44 = Period.iso_week(2026, 44)


def _weekly(area43: str | None, area44: str | None, *, late: bool = True) -> CountyPicture:
    """Kumla's week 43 about `area43`, week 44 (late, levels up) about `area44`; Nora missing both."""
    picture = weekly_picture(2026)
    reports = dict(picture.reports)
    reports[("Kumla", 43)] = replace(reports[("Kumla", 43)], area=area43)
    reports[("Kumla", 44)] = replace(reports[("Kumla", 44)], area=area44,
                                     state=MonthState.LATE if late else MonthState.ON_TIME)
    return replace(picture, reports=reports)


class _Text(HTMLParser):
    """The HTML's text as a reader sees it, and every tag opened."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _html_text(digest: Digest) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(digest.html)
    return " ".join(" ".join(parser.text).split()), parser.tags


def test_the_weekly_digest_names_the_area_of_each_report_it_names() -> None:
    digest = build_digest(_weekly("Vivalla", "Brickebacken"), W44)
    text = digest.text
    [row] = [line for line in text.splitlines() if line.startswith("Kumla")]
    assert row.startswith("Kumla, område Brickebacken (sen)")
    assert "Kom in sent: Kumla (område Brickebacken)." in text
    assert "↑ Kumla (område Brickebacken), fråga 1 Skadegörelse och klotter: upp från Viss oro till Stor oro" in text
    assert "- Stor oro: Kumla (område Brickebacken), fråga 1 Skadegörelse och klotter" in text
    assert "- Kumla (område Brickebacken): Vecka med nivå 3." in text
    assert "Vivalla" not in text  # last week's area is last week's report's
    assert "Nora (saknas)" in text and "Nora, " not in text and "Nora (område" not in text

    shown, _ = _html_text(digest)
    assert "Kumla område Brickebacken sen" in shown  # the table: under the name, above the note
    assert "Kom in sent: Kumla (område Brickebacken)." in shown
    assert "Kumla (område Brickebacken), fråga 1 Skadegörelse och klotter" in shown
    assert "Kumla (område Brickebacken): Vecka med nivå 3." in shown
    assert '<span class="area"' in digest.html


def test_a_report_without_an_area_is_named_as_before() -> None:
    """Last week's report had an area, this week's has none: this week's digest is the one of a county
    that never gave an area."""
    with_none = build_digest(_weekly("Vivalla", None, late=False), W44)
    plain = build_digest(weekly_picture(2026), W44)
    assert (with_none.text, with_none.html) == (plain.text, plain.html)
    assert "Vivalla" not in with_none.text and 'class="area"' not in with_none.html


def test_a_form_without_the_area_label_gives_the_same_digest_whatever_the_picture_carries() -> None:
    picture = make_picture()
    assert not picture.form.labels.area
    carrying = replace(picture, reports={k: replace(r, area="Vivalla") if r.reported else r
                                         for k, r in picture.reports.items()})
    for month in (3, 10):
        period = Period(picture.year, month)
        a, b = build_digest(picture, period), build_digest(carrying, period)
        assert (a.subject, a.html, a.text) == (b.subject, b.html, b.text)
        assert "Vivalla" not in b.text and "Vivalla" not in b.html


def test_a_long_area_is_shortened_on_one_line() -> None:
    long_area = "Vivalla " + "och Baronbackarna " * 10
    digest = build_digest(_weekly(None, long_area, late=False), W44)
    [row] = [line for line in digest.text.splitlines() if line.startswith("Kumla")]
    shown = row.split(", område ", 1)[1]
    assert shown.startswith("Vivalla och Baronbackarna") and "…" in shown
    assert len(shown.split("…")[0]) <= AREA_CHARS


# Anything that could reach the store as an area: every character, markup, line breaks, controls.
_ANY = st.one_of(st.text(min_size=1, max_size=90),
                 st.sampled_from([" \n\t", "<script>alert(1)</script>", "Vivalla\nBcc: x@y.se", "A\u202eexe.docx",
                                  "\x00\x1b[31m", "&amp; <b>fet</b>", "Södra\r\n\r\ncentrum", "\ufffe\U0010ffff"]))


# Each example builds two digests with their charts (seconds): fewer examples, each a different kind of text.
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(area=_ANY)
def test_any_area_keeps_the_digest_safe(area: str) -> None:
    digest = build_digest(_weekly(None, area), W44)
    for out in (digest.text, digest.html):
        assert safe_text(out) == out
        assert not set(out) & BIDI_CONTROLS
    base = build_digest(_weekly(None, None), W44)
    # The text has exactly the lines it has without an area: the area never breaks a line.
    assert len(digest.text.splitlines()) == len(base.text.splitlines())
    _, tags = _html_text(digest)
    _, base_tags = _html_text(base)
    # No markup injected: the tags are those without an area, and the area's own line break and span.
    assert [t for t in tags if t not in ("br", "span")] == [t for t in base_tags if t not in ("br", "span")]
    shown = 1 if area.split() else 0  # an area of only whitespace is no area
    assert tags.count("span") == base_tags.count("span") + shown
    assert tags.count("br") == base_tags.count("br") + shown
    assert "<script" not in digest.html.lower().replace("&lt;script", "")


def test_the_html_table_keeps_to_the_frame_with_an_area() -> None:
    digest = build_digest(_weekly(None, "Vivalla" * 30, late=False), W44)
    cell = re.search(r'<span class="area" style="([^"]*)"', digest.html)
    assert cell is not None and "overflow-wrap: anywhere" in cell.group(1)


def test_a_month_report_is_the_source_of_the_area() -> None:
    report = MonthReport("Kumla", W44, MonthState.ON_TIME, {}, received_at=datetime(2026, 10, 27, tzinfo=TZ))
    assert report.area is None
