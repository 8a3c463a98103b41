"""The command line for a weekly county: parse prints an ISO week, --period takes one, and the
blank forms are made for a week."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import docx
import pytest

from lagesbild.cli import main
from lagesbild.samples import sample_answers, template_docx
from parsers.form import builtin_form_path, load_form
from parsers.result import Period

ROOT = Path(__file__).resolve().parents[2]
WEEKLY = str(ROOT / "examples" / "orebro-est-weekly.toml")
EST = load_form(builtin_form_path("est-veckochecklista"))  # type: ignore[arg-type]
WEEK = Period.parse("2026-W43")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_parse_of_a_weekly_form_prints_the_iso_week(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "Checklista Kumla v43.docx"
    answers = sample_answers(EST, "Kumla", WEEK)
    path.write_bytes(template_docx(EST, "Kumla", WEEK, answers))
    code, out, _ = run(["--config", WEEKLY, "parse", str(path), "--json"], capsys)
    assert code == 0
    result = json.loads(out)
    assert result["period"] == "2026-W43"
    assert result["municipality"] == "Kumla"
    assert sorted(result["answers"], key=int) == [str(n) for n in range(1, 9)]
    assert result["answers"]["1"] == {"impact": answers[1].impact, "comment": answers[1].comment}


def test_a_span_of_weeks_is_null_and_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = docx.Document(io.BytesIO(template_docx(EST, "Kumla", WEEK, sample_answers(EST, "Kumla", WEEK))))
    line = next(p for p in document.paragraphs if p.text.startswith("Vecka och år"))
    line.text = "Vecka och år: vecka 43–44"
    path = tmp_path / "c.docx"
    document.save(str(path))
    code, out, _ = run(["--config", WEEKLY, "parse", str(path), "--json"], capsys)
    result = json.loads(out)
    assert result["period"] is None
    assert {"field": "period", "severity": "error"}.items() <= result["issues"][0].items()


def test_status_takes_a_week_and_refuses_a_month(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    # A copy: the store (./lagesbild-data beside the configuration) is made here, never in examples/.
    config = str(shutil.copy(WEEKLY, tmp_path / "orebro-est-weekly.toml"))
    code, out, _ = run(["--config", config, "--now", "2026-10-20T17:00", "status", "--period", "2026-W43",
                        "--json"], capsys)
    assert code == 0
    status = json.loads(out)
    assert (status["period"], status["deadline"]) == ("2026-W43", "2026-10-20")
    assert status["missing"] == ["Askersund", "Hallsberg", "Karlskoga", "Kumla", "Lindesberg", "Örebro"]
    assert (tmp_path / "lagesbild-data").is_dir()
    code, _, err = run(["--config", config, "status", "--period", "2026-10"], capsys)
    assert code == 2 and "YYYY-Www" in err


def test_forms_for_a_week(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(["--config", WEEKLY, "forms", "--out", str(tmp_path), "--municipality", "Kumla",
                      "--period", "2026-W43"], capsys)
    assert code == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["Lägesbild trygghet i området - Kumla - 2026-W43.docx",
                       "Lägesbild trygghet i området - Kumla - 2026-W43.xlsx"]
    code, out, _ = run(["--config", WEEKLY, "parse", str(tmp_path), "--json"], capsys)
    assert [json.loads(line)["period"] for line in out.splitlines()] == ["2026-W43", "2026-W43"]
