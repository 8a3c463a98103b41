"""The history shows where each value was read from: the file, the part of it and the text as it stood; a
value county staff corrected shows the correction (who and why); leadership never sees the source of a
comment held for personal data; a value with no source says so (and, for a version filed before sources
were kept, why) until `lagesbild sources --backfill` gives it back. On SQLite and PostgreSQL, without
JavaScript (server-rendered HTML)."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import update
from sqlalchemy.engine import Engine

from flow.accounts import Role
from flow.pipeline import handle_message
from flow.settings import Config
from flow.source_backfill import backfill_sources
from ground.refs import MessageRef
from ingest.source import RawMail
from parsers import parse_bytes
from parsers.result import Answer
from store.db import transaction
from store.models import AnswerRow
from tests.builders import mail as mails
from tests.web.conftest import NOW
from tests.web.test_history import ANSWERS, ARRIVED, STAFF, client_for, mail_in, post_correction

FILE = "Lägesbild oktober.docx"


def sources(html: str) -> list[str]:
    """Every "where it was read from" note on the page, as text."""
    return [" ".join(unescape(re.sub(r"<[^>]+>", "", m)).split())
            for m in re.findall(r'<small class="source">(.*?)</small>', html, re.S)]


def latest_version(html: str) -> str:
    """The latest version's part of the page (the older ones follow in <details>)."""
    return html.split('class="version latest"', 1)[1].split("</div>", 1)[0]


def test_each_value_says_which_file_and_text_it_was_read_from(config: Config, any_engine: Engine) -> None:
    mail_in(any_engine, config)
    staff = client_for(config, any_engine, STAFF, Role.STAFF)

    notes = sources(latest_version(staff.get("/kommun/Ludvika").text))

    # Six impacts and seven comments, each under its value, in the order of the questions.
    assert notes == [note for n in range(1, 7) for note in (
        f"Läst ur {FILE}: Påverkan: 2", f"Läst ur {FILE}: Kommentar: Kommentar till fråga {n}.")] + [
        f"Läst ur {FILE}: Kommentar: Nattvandring."]


def test_a_corrected_value_shows_who_corrected_it_and_why_the_others_keep_their_file(
        config: Config, any_engine: Engine) -> None:
    mail_in(any_engine, config)
    staff = client_for(config, any_engine, STAFF, Role.STAFF)
    assert post_correction(staff, impact="4", reason="Läst fel ur tabellen").status_code == 303  # type: ignore[attr-defined]

    page = staff.get("/kommun/Ludvika").text
    latest = latest_version(page)
    row = latest.split('<th scope="row">5 ', 1)[1].split("</tr>", 1)[0]

    assert sources(row) == [f"Rättat av {STAFF}: Läst fel ur tabellen",
                            sources(row)[1]]  # the comment was not changed: still read from the file
    assert sources(row)[1].startswith(f"Läst ur {FILE}") and "Kommentar till fråga 5." in sources(row)[1]
    others = sources(latest.split('<th scope="row">5 ', 1)[0])
    assert len(others) == 8 and all(n.startswith(f"Läst ur {FILE}") for n in others)
    # Version 1, further down, still shows where its value was read from.
    older = page.split("Version 1", 1)[1]
    assert sources(older) and not any(n.startswith("Rättat") for n in sources(older))


def test_leadership_sees_no_source_of_a_comment_held_for_personal_data(config: Config, engine: Engine) -> None:
    mail_in(engine, config, answers=ANSWERS | {2: Answer(3, "Hot mot 19811218-9876 i hemmet.")})
    staff = client_for(config, engine, STAFF, Role.STAFF)
    leader = client_for(config, engine, "ledning", Role.LEADERSHIP)

    by_staff = sources(staff.get("/kommun/Ludvika").text)
    by_leader = sources(leader.get("/kommun/Ludvika").text)

    assert any("19811218-9876" in n for n in by_staff)
    assert not any("19811218" in n for n in by_leader)
    assert len(by_leader) == len(by_staff) - 1  # only the held comment's source is left out


def unknown(html: str) -> list[str]:
    """Every "source unknown" note on the page, as text."""
    return [" ".join(m.split()) for m in re.findall(r'<small class="source unknown">(.*?)</small>', html, re.S)]


def test_a_version_filed_before_sources_were_kept_says_so_until_the_backfill_gives_them_back(
        config: Config, any_engine: Engine) -> None:
    mail_in(any_engine, config)
    staff = client_for(config, any_engine, STAFF, Role.STAFF)
    filed = sources(staff.get("/kommun/Ludvika").text)
    with transaction(any_engine) as s:  # what a version filed before migration 0007 holds
        s.connection().execute(update(AnswerRow.__table__).values(  # type: ignore[attr-defined]
            impact_source=None, comment_source=None))

    before = staff.get("/kommun/Ludvika").text
    backfill_sources(any_engine, config, NOW, parse=parse_bytes)
    after = staff.get("/kommun/Ludvika").text

    # Six levels and seven comments, each saying its source is unknown and why.
    assert sources(before) == [] and unknown(before) == ["Källa okänd (inläst innan källorna sparades)"] * 13
    assert sources(after) == filed and unknown(after) == []


def test_a_value_the_reader_could_not_place_in_a_version_with_sources_is_only_unknown(
        config: Config, any_engine: Engine) -> None:
    mail_in(any_engine, config)
    with transaction(any_engine) as s:
        s.connection().execute(update(AnswerRow.__table__).where(  # type: ignore[attr-defined]
            AnswerRow.__table__.c.question == 4).values(comment_source=None))  # type: ignore[attr-defined]
    staff = client_for(config, any_engine, STAFF, Role.STAFF)

    assert unknown(staff.get("/kommun/Ludvika").text) == ["Källa okänd"]


def test_a_form_written_in_the_mail_says_it_was_read_from_the_mails_text(config: Config, engine: Engine) -> None:
    lines = ["Kommun: Ludvika", "Period: oktober 2026"]
    for q in config.county.form.questions:
        lines += [f"{q.number}. {q.short}"] + (["Påverkan: 3"] if q.impact else []) + [f"Kommentar: Svar {q.number}."]
    eml = mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "\n".join(lines), message_id="<t@kommun.se>")
    handle_message(RawMail(MessageRef("maildir:/test", 0, "9"), eml, ARRIVED), engine, config, ARRIVED,
                   parse=parse_bytes)
    staff = client_for(config, engine, STAFF, Role.STAFF)

    notes = sources(staff.get("/kommun/Ludvika").text)

    assert notes[:2] == ["Läst ur e-brevets text: Påverkan: 3", "Läst ur e-brevets text: Kommentar: Svar 1."]
    assert len(notes) == 13 and all(n.startswith("Läst ur e-brevets text: ") for n in notes)


def test_a_value_read_from_a_sheet_names_its_cell(config: Config, any_engine: Engine) -> None:
    from tests.builders.xlsx_builder import build_xlsx
    from tests.parsers.test_sources import FILLED

    eml = mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "Hej!",
                           [("rapport.xlsx", build_xlsx(FILLED), mails.XLSX_TYPE)], message_id="<x@kommun.se>")
    handle_message(RawMail(MessageRef("maildir:/test", 0, "8"), eml, ARRIVED), any_engine, config, ARRIVED,
                   parse=parse_bytes)
    staff = client_for(config, any_engine, STAFF, Role.STAFF)

    notes = sources(staff.get("/kommun/Ludvika").text)

    row = "1. Ordningsstörningar och otrygghet | 2 | Kommentar om fråga 1, rad ett. Andra st…"
    assert notes[:2] == [f'Läst ur rapport.xlsx, blad "Lägesbild", cell B7: {row}',
                         f'Läst ur rapport.xlsx, blad "Lägesbild", cell C7: {row}']
    assert notes[2].startswith('Läst ur rapport.xlsx, blad "Lägesbild", cell B8: 2. Hot och våld')
