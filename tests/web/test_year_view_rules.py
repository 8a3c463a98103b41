"""The year view and the board read the store their own short way (the year's levels worked out by the
database, a count of held reports): what they show stays the picture's (`build_picture`, the workbook's
reading) with a held report, a correction, a late first version, one question chosen, and a
municipality whose first version is gone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Engine

from flow.board import board_for
from flow.operations import import_file
from flow.picture import build_picture
from flow.settings import Config
from flow.year_board import year_board
from lagesbild.samples import sample_answers, template_docx
from parsers import parse_bytes
from parsers.form import default_form
from parsers.result import Answer, Period
from store.outcome import Outcome
from tests.builders import mail as mails
from tests.web.conftest import NOW, TZ
from tests.web.desk import deliver

OCT = Period(2026, 10)


def _import(engine: Engine, config: Config, town: str, month: int, seed: int, at: datetime) -> None:
    import_file(engine, config, mails.form_docx(town, 2026, month, seed=seed), f"{town}.docx", town,
                Period(2026, month), at, parse=parse_bytes)


def _held_mora(engine: Engine, config: Config) -> None:
    form = default_form()
    answers = dict(sample_answers(form, "Mora", OCT, 0))
    answers[2] = Answer(5, "Anmälan gäller 19121212-1212.")
    eml = mails.build_mail("samordnare@mora.se", "Lägesbild oktober Mora", "Hej!",
                           [("Mora.docx", template_docx(form, "Mora", OCT, answers), mails.DOCX_TYPE)])
    assert deliver(engine, config, eml, "held-1", datetime(2026, 10, 28, 9, 0, tzinfo=TZ))[0] is Outcome.STORED


def test_the_year_view_is_the_pictures_year_with_held_corrected_late_and_one_question(
        config: Config, any_engine: Engine) -> None:
    _import(any_engine, config, "Ludvika", 9, 1, datetime(2026, 9, 20, 10, 0, tzinfo=TZ))
    _import(any_engine, config, "Ludvika", 10, 2, datetime(2026, 10, 20, 10, 0, tzinfo=TZ))
    _import(any_engine, config, "Ludvika", 10, 3, datetime(2026, 11, 4, 10, 0, tzinfo=TZ))  # a correction, late
    _import(any_engine, config, "Falun", 10, 4, datetime(2026, 11, 3, 10, 0, tzinfo=TZ))  # late
    _import(any_engine, config, "Orsa", 8, 5, datetime(2026, 8, 20, 10, 0, tzinfo=TZ))
    _import(any_engine, config, "Orsa", 8, 6, datetime(2026, 8, 21, 10, 0, tzinfo=TZ))
    with any_engine.begin() as conn:  # Orsa's August version 1 purged by hand: version 2 is its first
        conn.execute(text("DELETE FROM submission WHERE municipality = 'Orsa' AND version = 1"))
    _held_mora(any_engine, config)
    picture = build_picture(any_engine, config, 2026, NOW)
    questions = [q.number for q in config.county.form.questions if q.impact]

    states, withheld = set(), 0
    for question in (None, *questions):
        view = year_board(any_engine, config, 2026, NOW, question)
        assert [r.municipality for r in view.rows] == list(picture.municipalities)
        for row in view.rows:
            assert [c.period for c in row.cells] == list(picture.periods)
            for cell in row.cells:
                report = picture.report(row.municipality, cell.period.number)
                shown = [a.impact for n, a in report.answers.items() if n not in report.withheld
                         and a.impact is not None and (question is None or n == question)]
                assert (cell.state, cell.level, cell.withheld) == \
                       (report.state, max(shown) if shown else None, bool(report.withheld)), (row.municipality,
                                                                                             cell.period, question)
                states.add(cell.state.value)
                withheld += cell.withheld
    assert {"on_time", "late", "missing", "not_due"} <= states and withheld
    mora = picture.report("Mora", 10)
    assert mora.withheld == frozenset({2})  # the held answer (level 5) is in the picture, withheld

    board = board_for(any_engine, config, OCT, NOW)
    assert board.in_review == 1
    assert next(r for r in board.rows if r.municipality == "Ludvika").version == 2
