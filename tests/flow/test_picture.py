"""`flow.picture.build_picture` on its own: stored reports in, the county's year as states out.

The expected picture is `golden/picture.txt`, one line per municipality and one
letter per month (o on time, l late, m missing, p pending, . not due), then the
answers of the reports. Set UPDATE_GOLDEN=1 to write it anew, then read the diff.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flow.picture import build_picture
from flow.pipeline import poll_once
from ingest.maildir import MaildirSource
from ingest.settings import configured_folders
from lagesbild.config import load_config
from outputs.picture import CountyPicture, MonthState
from parsers import parse_bytes
from parsers.result import Period
from tests.builders import mail as mails
from tests.support.maildir_box import MaildirBox

GOLDEN = Path(__file__).parent / "golden" / "picture.txt"
TZ = ZoneInfo("Europe/Stockholm")
LETTER = {MonthState.ON_TIME: "o", MonthState.LATE: "l", MonthState.MISSING: "m", MonthState.PENDING: "p",
          MonthState.NOT_DUE: "."}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def drawn(picture: CountyPicture) -> str:
    """The picture as text: states by month, then every report's levels."""
    lines = [f"{picture.county_name} {picture.year}", f"{'':16}JFMAMJJASOND"]
    for name in picture.municipalities:
        lines.append(f"{name:16}" + "".join(LETTER[picture.report(name, m).state] for m in range(1, 13)))
    for (name, month), report in sorted(picture.reports.items()):
        if report.answers:
            levels = " ".join(f"{n}:{'-' if a.impact is None else a.impact}" for n, a in sorted(report.answers.items()))
            lines.append(f"{name} {Period(picture.year, month)} v{report.version}: {levels}")
    return "\n".join(lines) + "\n"


def test_the_year_of_a_county_matches_the_golden_picture(tmp_path: Path) -> None:
    config = load_config(None)
    config = replace(config, signals=(), county=replace(config.county, first_period=Period(2026, 8)))
    box = MaildirBox(tmp_path, config)
    sent = [("samordnare@ludvika.se", "Ludvika", Period(2026, 10), "2026-10-28T10:00", 0),
            ("samordnare@mora.se", "Mora", Period(2026, 10), "2026-11-04T09:00", 1),
            ("samordnare@vansbro.se", "Vansbro", Period(2026, 9), "2026-09-25T15:00", 2),
            ("samordnare@vansbro.se", "Vansbro", Period(2026, 10), "2026-10-20T08:00", 3),
            ("samordnare@vansbro.se", "Vansbro", Period(2026, 10), "2026-10-27T08:00", 4)]  # a correction
    for sender, town, period, when, seed in sent:
        data = mails.form_docx(town, period.year, period.month, seed=seed)
        box.deliver(mails.build_mail(sender, f"Lägesbild {period}", "Hej", [(f"{town}.docx", data, mails.DOCX_TYPE)]),
                    at(when))
        source = MaildirSource(box.maildir, configured_folders(config.mailbox))
        poll_once(source, box.engine, config, at(when), parse=parse_bytes)
    picture = drawn(build_picture(box.engine, config, 2026, at("2026-11-10T12:00")))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(picture, encoding="utf-8")
    assert picture == GOLDEN.read_text(encoding="utf-8")
