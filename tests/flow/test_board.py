"""`flow.board.board_for` reads one period, not the year: its states and levels are the
picture's (`build_picture`, which the workbook and the digest use) for every month of a year.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flow.board import board_for
from flow.picture import build_picture
from flow.pipeline import poll_once
from flow.year_board import year_board
from ingest.maildir import MaildirSource
from ingest.settings import configured_folders
from lagesbild.config import load_config
from outputs.digest_history import History
from outputs.digest_table import county_mean_row, group_roll_ups
from outputs.picture import MonthState
from parsers import parse_bytes
from parsers.result import Period
from tests.builders import mail as mails
from tests.support.maildir_box import MaildirBox

TZ = ZoneInfo("Europe/Stockholm")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def test_every_months_board_is_the_pictures_month(tmp_path: Path) -> None:
    config = load_config(None)
    config = replace(config, signals=(), county=replace(config.county, first_period=Period(2026, 8)))
    box = MaildirBox(tmp_path, config)
    sent = [("samordnare@ludvika.se", "Ludvika", Period(2026, 10), "2026-10-28T10:00", 0),
            ("samordnare@mora.se", "Mora", Period(2026, 10), "2026-11-04T09:00", 1),  # late
            ("samordnare@vansbro.se", "Vansbro", Period(2026, 9), "2026-09-25T15:00", 2),
            ("samordnare@vansbro.se", "Vansbro", Period(2026, 10), "2026-10-20T08:00", 3),
            ("samordnare@vansbro.se", "Vansbro", Period(2026, 10), "2026-10-27T08:00", 4)]  # a correction
    for sender, town, period, when, seed in sent:
        data = mails.form_docx(town, period.year, period.month, seed=seed)
        box.deliver(mails.build_mail(sender, f"Lägesbild {period}", "Hej", [(f"{town}.docx", data, mails.DOCX_TYPE)]),
                    at(when))
        poll_once(MaildirSource(box.maildir, configured_folders(config.mailbox)), box.engine, config, at(when),
                  parse=parse_bytes)
    now = at("2026-11-10T12:00")
    picture = build_picture(box.engine, config, 2026, now)

    seen = set()
    for month in range(1, 13):
        board = board_for(box.engine, config, Period(2026, month), now)
        assert [row.municipality for row in board.rows] == list(picture.municipalities)
        for row in board.rows:
            report = picture.report(row.municipality, month)
            assert (row.state, row.version, row.withheld) == (report.state, report.version, report.withheld)
            assert row.levels == {n: (report.answers[n].impact if n in report.answers else None)
                                  for n, _ in board.questions}
            assert row.comments == {n: a.comment for n, a in report.answers.items() if a.comment}
            seen.add(row.state)
        # The group and county rows are the digest's over the whole year's picture.
        digest = [*group_roll_ups(History(picture, None), board.period), county_mean_row(History(picture, None),
                                                                                          board.period)]
        assert [(r.name, r.note, [c.text for c in r.cells]) for r in board.summary] == \
               [(r.name, r.note, [c.text for c in r.cells]) for r in digest]
    assert seen == set(MonthState)  # on time, late, missing, pending and not due all compared
    vansbro = next(r for r in board_for(box.engine, config, Period(2026, 10), now).rows if r.municipality == "Vansbro")
    assert vansbro.version == 2


def test_the_year_view_is_the_pictures_year(tmp_path: Path) -> None:
    config = load_config(None)
    box = MaildirBox(tmp_path, config)
    for town, month, seed in (("Ludvika", 9, 1), ("Ludvika", 10, 2), ("Mora", 10, 3)):
        data = mails.form_docx(town, 2026, month, seed=seed)
        sender = f"samordnare@{town.lower()}.se"
        box.deliver(mails.build_mail(sender, f"Lägesbild 2026-{month:02d}", "Hej",
                                     [(f"{town}.docx", data, mails.DOCX_TYPE)]), at(f"2026-{month:02d}-20T10:00"))
        poll_once(MaildirSource(box.maildir, configured_folders(config.mailbox)), box.engine, config,
                  at(f"2026-{month:02d}-20T10:00"), parse=parse_bytes)
    now = at("2026-11-10T12:00")
    picture = build_picture(box.engine, config, 2026, now)

    view = year_board(box.engine, config, 2026, now)

    assert [r.municipality for r in view.rows] == list(picture.municipalities)
    levels = set()
    for row in view.rows:
        assert [c.period for c in row.cells] == list(picture.periods)
        for cell in row.cells:
            report = picture.report(row.municipality, cell.period.number)
            impacts = [a.impact for n, a in report.answers.items() if n not in report.withheld and a.impact is not None]
            assert (cell.state, cell.level) == (report.state, max(impacts) if impacts else None)
            levels.add(cell.level)
    assert len(levels - {None}) >= 1
