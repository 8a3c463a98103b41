"""Form definitions: a form is data (a TOML file), read into frozen dataclasses.

The shipped form is `forms/dalarna_sociala_risker.toml`. Another county's form
(a weekly checklist, an extremism-focused pilot) is another TOML file of the
same shape, named in the configuration; no code changes.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from parsers.normalize import fold
from parsers.result import Cadence


class FormError(ValueError):
    """A form definition file is malformed; the message names the key."""


@dataclass(frozen=True, slots=True)
class Level:
    """One step of the impact scale, e.g. 3 "Oroande"."""

    value: int
    name: str
    aliases: tuple[str, ...]
    colour: str


@dataclass(frozen=True, slots=True)
class Scale:
    """The impact scale: its range, level names and how the range label is written."""

    min: int
    max: int
    levels: tuple[Level, ...]
    range_labels: tuple[str, ...]

    def name_of(self, value: int) -> str:
        for level in self.levels:
            if level.value == value:
                return level.name
        raise KeyError(value)

    def colour_of(self, value: int) -> str:
        for level in self.levels:
            if level.value == value:
                return level.colour
        raise KeyError(value)


@dataclass(frozen=True, slots=True)
class Question:
    """One question of a form."""

    number: int
    short: str
    text: str
    aliases: tuple[str, ...]
    impact: bool

    @property
    def names(self) -> tuple[str, ...]:
        """The short name first, then the aliases."""
        return (self.short, *self.aliases)


@dataclass(frozen=True, slots=True)
class Labels:
    """Words that introduce values on the form (label aliases seen in the wild)."""

    municipality: tuple[str, ...]
    period: tuple[str, ...]
    impact: tuple[str, ...]
    comment: tuple[str, ...]
    question: tuple[str, ...]
    stop: tuple[str, ...] = ()
    #: Labels that are everyday words too ("Nivå", "Bedömning"): they label a
    #: value only when a colon follows; "Nivå 4 i polisens bedömning" is a sentence.
    needs_colon: tuple[str, ...] = ()
    #: The part of the municipality a report is about ("Område: Vivalla"), on forms that
    #: ask for one (the EST checklist); none on a form without it, which then reads no area.
    area: tuple[str, ...] = ()


WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SWEDISH_WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")

# The words a form file may use for its cadence. There is no quarter: no
# county in the sources reports quarterly; the workbook already groups months
# into quarters ("Kvartal 1-4") and a quarter's picture is its three months.
_CADENCES = {"month": Cadence.MONTH, "monthly": Cadence.MONTH, "månad": Cadence.MONTH,
             "week": Cadence.WEEK, "weekly": Cadence.WEEK, "vecka": Cadence.WEEK}


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """When a period's report is due, as the form file says (`[deadline]`).

    * `last_working_day` (a month's rule, the default): the last working day
      of the month, "senast den sista vardagen varje månad".
    * `weekday` (a week's rule): that weekday of the period's week, plus
      `week_offset` weeks (1: the week after), e.g. Tuesday before a
      Wednesday meeting. When that day is not a working day (a holiday, a
      de-facto day off) the working day before it is the deadline.

    Either way Saturdays, Sundays and Swedish holidays are not working days
    (flow.calendar). `at` is the time of day the report is due by, local
    time; None means by the end of the deadline day, as for monthly forms.
    """

    rule: str = "last_working_day"
    weekday: int = 4
    at: time | None = None
    week_offset: int = 0

    def describe(self) -> str:
        """The rule in Swedish for a form's instructions: "tisdag kl. 16.00 varje vecka"."""
        when = f" kl. {self.at:%H.%M}" if self.at else ""
        if self.rule == "last_working_day":
            return f"den sista vardagen varje månad{when}"
        week = " veckan efter" if self.week_offset == 1 else " samma vecka" if self.week_offset == 0 else ""
        return f"{_SWEDISH_WEEKDAYS[self.weekday]}{when}{week}"


MONTHLY_DEADLINE = DeadlineRule()


@dataclass(frozen=True, slots=True)
class FormSpec:
    """A whole form definition."""

    id: str
    title: str
    cadence: Cadence
    intro: str
    instruction: str
    labels: Labels
    scale: Scale
    questions: tuple[Question, ...]
    deadline: DeadlineRule = MONTHLY_DEADLINE

    def question(self, number: int) -> Question:
        for q in self.questions:
            if q.number == number:
                return q
        raise KeyError(number)

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(q.number for q in self.questions)


def _req(table: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in table:
        raise FormError(f"{where}.{key}: saknas (missing)")
    value = table[key]
    if kind is int and isinstance(value, bool):
        raise FormError(f"{where}.{key}: must be an integer")
    if not isinstance(value, kind):
        raise FormError(f"{where}.{key}: must be {kind.__name__}, got {type(value).__name__}")
    return value


def _strings(table: dict[str, Any], key: str, where: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    value = table.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise FormError(f"{where}.{key}: must be a list of non-empty strings")
    return tuple(value)


def _cadence(data: dict[str, Any]) -> Cadence:
    word = data.get("cadence", "month")
    if not isinstance(word, str) or word.strip().lower() not in _CADENCES:
        raise FormError(f"cadence: must be \"month\" or \"week\", got {word!r}")
    return _CADENCES[word.strip().lower()]


def _deadline(data: dict[str, Any], cadence: Cadence) -> DeadlineRule:
    """`[deadline]`: rule = "last_working_day" (months) or "weekday" (weeks) with weekday, time, week_offset."""
    table = data.get("deadline", {})
    if not isinstance(table, dict):
        raise FormError("deadline: must be a table")
    unknown = sorted(set(table) - {"rule", "weekday", "time", "week_offset"})
    if unknown:
        raise FormError(f"deadline.{unknown[0]}: unknown key (known: rule, weekday, time, week_offset)")
    default = "weekday" if cadence is Cadence.WEEK else "last_working_day"
    rule = table.get("rule", default)
    if rule != default:
        raise FormError(f"deadline.rule: a {cadence.value}ly form's rule is \"{default}\", got {rule!r}")
    at = None
    if "time" in table:
        m = re.fullmatch(r"([01]?\d|2[0-3])[:.]([0-5]\d)", str(table["time"]).strip())
        if not m:
            raise FormError(f"deadline.time: must be HH:MM, got {table['time']!r}")
        at = time(int(m.group(1)), int(m.group(2)))
    if cadence is Cadence.MONTH:
        if set(table) - {"rule", "time"}:
            raise FormError("deadline: a monthly form's deadline takes only rule and time")
        return DeadlineRule(at=at)
    day = str(table.get("weekday", "friday")).strip().lower()
    names = {**{n: i for i, n in enumerate(WEEKDAYS)}, **{n: i for i, n in enumerate(_SWEDISH_WEEKDAYS)}}
    if day not in names:
        raise FormError(f"deadline.weekday: must be a weekday such as \"tuesday\", got {day!r}")
    offset = table.get("week_offset", 0)
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= 1:
        raise FormError(f"deadline.week_offset: must be 0 (the period's week) or 1 (the week after), got {offset!r}")
    return DeadlineRule("weekday", names[day], at, offset)


def form_from_dict(data: dict[str, Any], source: str = "<form>") -> FormSpec:
    """Build and validate a FormSpec from parsed TOML; errors name the key."""
    labels_t = data.get("labels", {})
    if not isinstance(labels_t, dict):
        raise FormError(f"{source}: labels must be a table")
    labels = Labels(
        municipality=_strings(labels_t, "municipality", "labels", ("Kommun",)),
        period=_strings(labels_t, "period", "labels", ("Månad",)),
        impact=_strings(labels_t, "impact", "labels", ("Påverkan",)),
        comment=_strings(labels_t, "comment", "labels", ("Kommentar",)),
        question=_strings(labels_t, "question", "labels", ("Fråga",)),
        stop=_strings(labels_t, "stop", "labels", ("Datum",)),
        needs_colon=_strings(labels_t, "needs_colon", "labels"),
        area=_strings(labels_t, "area", "labels"),
    )
    scale_t = _req(data, "scale", dict, source)
    smin = _req(scale_t, "min", int, "scale")
    smax = _req(scale_t, "max", int, "scale")
    if not 0 <= smin < smax <= 9:
        raise FormError("scale: min and max must satisfy 0 <= min < max <= 9")
    levels = []
    for i, lt in enumerate(_req(scale_t, "levels", list, "scale")):
        where = f"scale.levels[{i}]"
        if not isinstance(lt, dict):
            raise FormError(f"{where}: must be a table")
        levels.append(
            Level(
                value=_req(lt, "value", int, where),
                name=_req(lt, "name", str, where),
                aliases=_strings(lt, "aliases", where),
                colour=str(lt.get("colour", "FFFFFF")).lstrip("#").upper(),
            )
        )
    if sorted(lv.value for lv in levels) != list(range(smin, smax + 1)):
        raise FormError(f"scale.levels: must define each value from {smin} to {smax} once")
    words = [fold(w) for lv in levels for w in (lv.name, *lv.aliases)]
    if len(words) != len(set(words)):
        raise FormError("scale.levels: a level name or alias is used twice")
    scale = Scale(smin, smax, tuple(sorted(levels, key=lambda lv: lv.value)),
                  _strings(scale_t, "range_labels", "scale", (f"{smin}-{smax}",)))
    questions = []
    for i, qt in enumerate(_req(data, "questions", list, source)):
        where = f"questions[{i}]"
        if not isinstance(qt, dict):
            raise FormError(f"{where}: must be a table")
        questions.append(
            Question(
                number=_req(qt, "number", int, where),
                short=_req(qt, "short", str, where),
                text=str(qt.get("text", "")),
                aliases=_strings(qt, "aliases", where),
                impact=bool(qt.get("impact", True)),
            )
        )
    numbers = [q.number for q in questions]
    if not questions or len(set(numbers)) != len(numbers) or min(numbers) < 1:
        raise FormError("questions: numbers must be unique positive integers, at least one question")
    cadence = _cadence(data)
    return FormSpec(
        id=_req(data, "id", str, source),
        title=_req(data, "title", str, source),
        cadence=cadence,
        intro=str(data.get("intro", "")).strip(),
        instruction=str(data.get("instruction", "Redogör kort under varje fråga:")),
        labels=labels,
        scale=scale,
        questions=tuple(sorted(questions, key=lambda q: q.number)),
        deadline=_deadline(data, cadence),
    )


def load_form(path: str | Path) -> FormSpec:
    """Load a form definition from a TOML file; raises FormError naming the key."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise FormError(f"{p}: {exc}") from exc
    return form_from_dict(data, str(p))


def builtin_form_path(form_id: str) -> Path | None:
    """The shipped TOML file whose `id` (or file stem) is `form_id`, if any."""
    folder = resources.files("parsers") / "forms"
    for entry in folder.iterdir():
        if not entry.name.endswith(".toml"):
            continue
        path = Path(str(entry))
        if path.stem.replace("_", "-") == form_id.replace("_", "-"):
            return path
        if tomllib.loads(path.read_text(encoding="utf-8")).get("id") == form_id:
            return path
    return None


@cache
def default_form() -> FormSpec:
    """The Dalarna "Sociala risker" monthly form shipped with the program."""
    path = builtin_form_path("dalarna-sociala-risker")
    assert path is not None, "the shipped form file is missing"
    return load_form(path)
