"""The monthly digest to county leadership: one HTML mail with a plain-text twin.

`build_digest` turns a `CountyPicture` (and, for the months before January,
last year's picture) into a `Digest`: subject, HTML, plain text and one small
PNG chart per question. `digest_message` wraps it as a mail
(multipart/alternative: text, and multipart/related with the HTML and its
inline images by Content-ID); `digest_file_html` gives the same HTML with
the images inlined as data: URIs, to look at in a browser.

What leadership sees, in Swedish and in this order: how many municipalities
reported and how many on time, who is late or missing; a colour table
municipality × question for the month, with group roll-ups and the county
mean; what changed since last month and against the three-month average;
every answer at the top two levels (Allvarligt, Kritiskt) with the start of
its comment; the positive measures; and twelve months per question as charts.

Everything a municipality wrote reaches the templates as data only: the
HTML template autoescapes it, and it is never compiled as template code.
Answers held for a confidentiality review are shown as "Granskas" and are
otherwise left out, even if a picture were to carry their content.

Numbers: a mean is computed exactly (fractions) and shown with one decimal,
rounded half up, with a decimal comma ("1,8"). "Högre/lägre/oförändrat"
compares those shown values, so the words never contradict the numbers.
The three-month average is the mean of the three previous months' county
means (each month weighs the same, however many municipalities reported);
a month with no answers is left out of it.

This module assembles the digest and renders it; the pictures are read in
`digest_history`, the colour table is built in `digest_table`, and the other
sections (reporting, changes, trends, severe answers, notes, charts) in
`digest_sections`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from outputs.blank_forms import SWEDISH_MONTHS
from outputs.digest_history import (
    AVERAGE_MONTHS,
    HISTORY_MONTHS,
    History,
    impact_questions,
    month_summary,
    months_ending,
    short_label,
    span_text,
    weeks_of_month,
)
from outputs.digest_sections import (
    DigestImage,
    build_charts,
    find_changes,
    find_severe,
    find_trends,
    note_sections,
    who_reported,
)
from outputs.digest_table import (
    NO_REPORT_BG,
    WITHHELD_BG,
    WITHHELD_WORD,
    LegendItem,
    county_mean_row,
    group_roll_ups,
    municipality_row,
    text_table,
)
from outputs.mail import AUTO_GENERATED, new_message, set_body
from outputs.picture import CountyPicture
from outputs.replies import month_text, render
from parsers.result import Period


@dataclass(frozen=True)
class Digest:
    """The rendered digest: subject, HTML (images by cid:), plain text, and the images."""

    subject: str
    html: str
    text: str
    images: tuple[DigestImage, ...]


def digest_subject(picture: CountyPicture, period: Period) -> str:
    """ "Lägesbild sociala risker – oktober 2026, Dalarnas län" (the topic from the form's title)."""
    title = picture.form.title
    topic = title.rsplit("–", 1)[1].strip().lower() if "–" in title else ""
    head = f"Lägesbild {topic}" if topic else "Lägesbild"
    return f"{head} – {month_text(period)}, {picture.county_name}"


def build_digest(picture: CountyPicture, period: Period, *, previous: CountyPicture | None = None) -> Digest:
    """The leadership digest for `period` (a month of `picture.year`, or a week of a weekly
    form's picture: then it compares with the previous weeks, and adds the month so far).

    `previous` is last year's picture: the twelve-month charts, last month
    and the three-month average reach into it for January–November. Without
    it those months count as unknown (left out), never as zero.
    """
    if period.year != picture.year:
        raise ValueError(f"period {period} is not in the picture's year {picture.year}")
    if previous is not None and previous.year != picture.year - 1:
        raise ValueError(f"previous picture is for {previous.year}, expected {picture.year - 1}")
    history = History(picture, previous)
    form = picture.form
    rows = [municipality_row(history, m, period) for m in picture.municipalities]
    group_rows = group_roll_ups(history, period)
    county_row = county_mean_row(history, period)
    last = period.previous()
    earlier = months_ending(last, AVERAGE_MONTHS)
    charts, images = build_charts(history, period)
    changes = find_changes(history, period)
    subject = digest_subject(picture, period)
    weekly = period.is_week
    data: dict[str, Any] = {
        "title": subject,
        "county_name": picture.county_name,
        "month": month_text(period),
        "month_name": f"vecka {period.week}" if weekly else SWEDISH_MONTHS[period.month - 1],
        "last_month": month_text(last),
        "average_span": span_text(earlier[0], earlier[-1]),
        "average_short": f"{short_label(earlier[0])}–{short_label(earlier[-1])}",
        "history_span": span_text(months_ending(period, HISTORY_MONTHS)[0], period),
        # Words that differ between a monthly and a weekly digest.
        "digest_word": "Veckosammanställning" if weekly else "Månadssammanställning",
        "periods_word": "veckorna" if weekly else "månaderna",
        "history_title": "Tolv veckor" if weekly else "Tolv månader",
        "step_text": "vecka för vecka" if weekly else "månad för månad",
        "reports_word": "veckorapporter" if weekly else "månadsrapporter",
        "month_summary": month_summary(history, period) if weekly else [],
        "summary_month": span_text(weeks_of_month(history, period)[0], period) if weekly else "",
        "summary_month_name": f"{SWEDISH_MONTHS[period.month - 1]} {period.year}",
        "questions": impact_questions(form),
        "reporting": who_reported(history, period),
        "rows": rows,
        "group_rows": group_rows,
        "county_row": county_row,
        "text_table": text_table(form, [*rows, *group_rows, county_row]),
        "legend": [LegendItem(lv.name, "#" + lv.colour) for lv in form.scale.levels]
        + [LegendItem(WITHHELD_WORD, WITHHELD_BG), LegendItem("ingen rapport", NO_REPORT_BG)],
        "changes": changes,
        "changes_up": [c for c in changes or [] if c.up],
        "changes_down": [c for c in changes or [] if not c.up],
        "trends": find_trends(history, period),
        "severe": find_severe(history, period),
        "severe_levels": " och ".join(lv.name for lv in form.scale.levels if lv.value >= form.scale.max - 1),
        "note_sections": note_sections(history, period),
        "charts": charts,
        "chart_rows": [charts[i:i + 2] for i in range(0, len(charts), 2)],
        "withheld_word": WITHHELD_WORD,
    }
    return Digest(subject, render("digest.html.j2", **data), render("digest.txt.j2", **data), tuple(images))


def digest_message(digest: Digest, *, sender_name: str, mailbox_address: str, to: list[str],
                   now: datetime) -> EmailMessage:
    """The digest as a mail: multipart/alternative of the text and a multipart/related HTML part.

    Each chart is an inline image part with its Content-ID and a file name,
    which the HTML references as ``cid:``. Headers as every message we send
    (`outputs.mail.new_message`), marked ``Auto-Submitted: auto-generated``.
    """
    msg = new_message(sender_name=sender_name, sender_address=mailbox_address, to=to, subject=digest.subject,
                      now=now, auto_submitted=AUTO_GENERATED)
    set_body(msg, digest.text, digest.html)
    html_part = msg.get_body(("html",))
    assert html_part is not None
    for image in digest.images:
        html_part.add_related(image.png, maintype="image", subtype="png", cid=f"<{image.cid}>",
                              filename=image.filename, disposition="inline")
    if digest.images:
        # RFC 2387: multipart/related names the type of its root part.
        html_part.set_param("type", "text/html")
    return msg


def digest_file_html(digest: Digest) -> str:
    """The digest's HTML with each ``cid:`` image replaced by a data: URI, to open in a browser.

    Only the exact attribute ``src="cid:…"`` is replaced: a comment quoting
    such a string is escaped (its quote is ``&#34;``), so it cannot match.
    """
    html = digest.html
    for image in digest.images:
        data = base64.b64encode(image.png).decode("ascii")
        html = html.replace(f'src="cid:{image.cid}"', f'src="data:image/png;base64,{data}"')
    return html
