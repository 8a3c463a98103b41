"""The history shows where each value was read from: the file, the part of it and the text as it stood; a
value county staff corrected shows the correction (who and why); leadership never sees the source of a
comment held for personal data. On SQLite and PostgreSQL, without JavaScript (server-rendered HTML)."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy.engine import Engine

from flow.accounts import Role
from flow.settings import Config
from parsers.result import Answer
from tests.web.test_history import ANSWERS, STAFF, client_for, mail_in, post_correction

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
