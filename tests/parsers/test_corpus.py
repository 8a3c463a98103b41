"""The parser judged on the fixture corpus (tests/builders/cases.py).

For every case the file is built, `parsers.parse_bytes(data, filename)` is
run, and each field is checked: municipality, period, the impact and the
(normalised) comment of every question, the issues that must be present, and
the fields that must carry no issue. The golden rule is checked separately: a
field whose value differs from the expectation without an issue on that field
is a SILENT ERROR, reported loudly. `test_corpus_summary` prints the field
accuracy over the whole corpus and fails only on silent errors.

LibreOffice cases are marked `libreoffice`; their conversions run in one batch
per session (see tests/builders/other_builder.py).
"""

from __future__ import annotations

import importlib.util
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import pytest

from tests.builders import normalise_comment
from tests.builders.cases import CASES, VALUE_FIELDS, Case, Expected
from tests.builders.other_builder import convert_many, libreoffice_available


def _parser_ready() -> bool:
    try:
        return importlib.util.find_spec("parsers.text") is not None
    except ModuleNotFoundError:
        return False


pytestmark = pytest.mark.skipif(not _parser_ready(), reason="parsers/text.py is not written yet")


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One disagreement between the parser and the expectation."""

    field: str
    kind: str  # "SILENT ERROR", "wrong value", "missing issue", "unexpected issue", "crash"
    detail: str

    def __str__(self) -> str:
        return f"{self.kind:16s} {self.field:14s} {self.detail}"


@dataclass(frozen=True)
class Outcome:
    """A parse of one case, compared."""

    case: Case
    values: dict[str, object]
    issues: tuple[tuple[str, str, str], ...]
    problems: tuple[Problem, ...]
    seconds: float

    def correct(self, field_name: str) -> bool:
        return not any(p.field == field_name and p.kind in ("SILENT ERROR", "wrong value")
                       for p in self.problems)


def actual_values(result: Any) -> dict[str, object]:
    """The value fields of a ParseResult, comments normalised."""
    values: dict[str, object] = {
        "municipality": result.municipality,
        "period": str(result.period) if result.period is not None else None,
    }
    for q in range(1, 8):
        answer = result.answers.get(q)
        values[f"q{q}.impact"] = None if answer is None else answer.impact
        values[f"q{q}.comment"] = None if answer is None else normalise_comment(answer.comment)
    return values


def compare(expected: Expected, result: Any) -> list[Problem]:
    """Every way `result` departs from `expected` (empty when it matches)."""
    problems: list[Problem] = []
    values = actual_values(result)
    issues = {(i.field, i.severity.value) for i in result.issues}
    flagged = {f for f, _ in issues}
    for q in range(1, 8):
        if q not in result.answers:
            problems.append(Problem(f"q{q}", "wrong value", "question missing from answers"))
    for name in VALUE_FIELDS:
        want, got = expected.value_of(name), values[name]
        if isinstance(got, bool) or not expected.accepts(name, got):
            kind = "wrong value" if name in flagged else "SILENT ERROR"
            problems.append(Problem(name, kind, f"expected {want!r}, got {got!r}"))
    for name, severity in sorted(expected.issues):
        if (name, severity) not in issues:
            got = sorted(s for f, s in issues if f == name)
            problems.append(Problem(name, "missing issue", f"expected a {severity}, got {got or 'none'}"))
    for i in result.issues:
        if i.field in expected.clean_fields:
            problems.append(Problem(i.field, "unexpected issue", f"{i.severity.value}: {i.message}"))
    return problems


# --------------------------------------------------------------------------
# Running cases (each file is parsed once per session)
# --------------------------------------------------------------------------

_OUTCOMES: dict[str, Outcome] = {}


def run_case(case: Case) -> Outcome:
    """Build and parse one case (memoised), comparing it with its expectation."""
    if case.name in _OUTCOMES:
        return _OUTCOMES[case.name]
    import parsers

    data = case.build()
    start = time.perf_counter()
    try:
        result = parsers.parse_bytes(data, case.filename)
    except Exception as exc:  # noqa: BLE001 - parse_bytes must never raise; report it as a result
        outcome = Outcome(case, {}, (), (Problem("file", "crash", f"{type(exc).__name__}: {exc}"),),
                          time.perf_counter() - start)
    else:
        elapsed = time.perf_counter() - start
        outcome = Outcome(case, actual_values(result),
                          tuple((i.field, i.severity.value, i.message) for i in result.issues),
                          tuple(compare(case.expected, result)), elapsed)
    _OUTCOMES[case.name] = outcome
    return outcome


def _report(outcome: Outcome) -> str:
    lines = [f"{outcome.case.name} ({outcome.case.filename}): {outcome.case.note}"]
    lines += [f"  {p}" for p in outcome.problems]
    if outcome.issues:
        lines.append("  issues reported:")
        lines += [f"    {f} {s}: {m}" for f, s, m in outcome.issues]
    return "\n".join(lines)


@pytest.fixture(scope="session")
def libreoffice_batch() -> None:
    """Convert every LibreOffice case in one batch (cached by content)."""
    if not libreoffice_available():
        pytest.skip("LibreOffice (soffice) is not installed")
    convert_many([c.conversion() for c in CASES if c.conversion is not None])


def _params() -> list[Any]:
    return [pytest.param(c, id=c.name,
                         marks=[pytest.mark.libreoffice] if c.needs_libreoffice else [])
            for c in CASES]


@pytest.mark.parametrize("case", _params())
def test_case(case: Case, request: pytest.FixtureRequest) -> None:
    if case.needs_libreoffice:
        request.getfixturevalue("libreoffice_batch")
    outcome = run_case(case)
    if outcome.problems:
        silent = [p for p in outcome.problems if p.kind == "SILENT ERROR"]
        head = "SILENT ERROR (wrong value without an issue)\n" if silent else ""
        pytest.fail(head + _report(outcome), pytrace=False)


# --------------------------------------------------------------------------
# Whole-corpus summary
# --------------------------------------------------------------------------


def _family(field_name: str) -> str:
    if field_name.endswith(".impact"):
        return "impact"
    if field_name.endswith(".comment"):
        return "comment"
    return field_name


def summarise(outcomes: list[Outcome]) -> tuple[str, list[str]]:
    """A printable accuracy table and the list of silent errors."""
    total = right = 0
    by_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_suffix: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    kinds: Counter[str] = Counter()
    silent: list[str] = []
    for o in outcomes:
        suffix = o.case.filename.rsplit(".", 1)[-1].lower()
        for name in VALUE_FIELDS:
            ok = o.correct(name) and not any(p.kind == "crash" for p in o.problems)
            total += 1
            right += ok
            by_family[_family(name)][0] += ok
            by_family[_family(name)][1] += 1
            by_suffix[suffix][0] += ok
            by_suffix[suffix][1] += 1
        for p in o.problems:
            kinds[p.kind] += 1
            if p.kind == "SILENT ERROR":
                silent.append(f"{o.case.name}: {p.field}: {p.detail}")
    passed = sum(1 for o in outcomes if not o.problems)
    slow = sorted(outcomes, key=lambda o: o.seconds, reverse=True)[:3]
    lines = [
        f"corpus: {len(outcomes)} cases, {passed} fully correct",
        f"field accuracy: {right}/{total} = {100 * right / max(total, 1):.1f} %",
        "  by field: " + ", ".join(f"{k} {a}/{n}" for k, (a, n) in sorted(by_family.items())),
        "  by file type: " + ", ".join(f".{k} {a}/{n}" for k, (a, n) in sorted(by_suffix.items())),
        "problems: " + (", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "none"),
        f"parse time: {sum(o.seconds for o in outcomes):.2f} s total; slowest "
        + ", ".join(f"{o.case.name} {o.seconds:.2f} s" for o in slow),
        f"SILENT ERRORS: {len(silent)}",
        *(f"  {s}" for s in silent),
    ]
    return "\n".join(lines), silent


def test_corpus_summary(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> None:
    cases = list(CASES)
    if libreoffice_available():
        request.getfixturevalue("libreoffice_batch")
    else:
        cases = [c for c in cases if not c.needs_libreoffice]
    outcomes = [run_case(c) for c in cases]
    text, silent = summarise(outcomes)
    with capsys.disabled():
        print("\n" + text)
    assert not silent, "SILENT ERRORS (never a wrong value without an issue):\n" + "\n".join(silent)
