"""Form definitions: a form is data (a TOML file), read into frozen dataclasses.

The shipped form is `forms/dalarna_sociala_risker.toml`. Another county's form
(a weekly checklist, an extremism-focused pilot) is another TOML file of the
same shape, named in the configuration; no code changes.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from parsers.normalize import fold


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


@dataclass(frozen=True, slots=True)
class FormSpec:
    """A whole form definition."""

    id: str
    title: str
    cadence: str
    intro: str
    instruction: str
    labels: Labels
    scale: Scale
    questions: tuple[Question, ...]

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
    return FormSpec(
        id=_req(data, "id", str, source),
        title=_req(data, "title", str, source),
        cadence=str(data.get("cadence", "monthly")),
        intro=str(data.get("intro", "")).strip(),
        instruction=str(data.get("instruction", "Redogör kort under varje fråga:")),
        labels=labels,
        scale=scale,
        questions=tuple(sorted(questions, key=lambda q: q.number)),
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
