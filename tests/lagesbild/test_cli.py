"""The command line: contract shapes, exit codes, options before or after the command."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lagesbild.cli import main
from lagesbild.cli_base import cli
from lagesbild.samples import sample_answers, template_docx
from parsers.form import default_form
from parsers.result import Period

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def forms(tmp_path: Path) -> Path:
    form = default_form()
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("Ludvika", "Orsa"):
        period = Period(2026, 10)
        (folder / f"{name}.docx").write_bytes(template_docx(form, name, period, sample_answers(form, name, period)))
    return folder


def test_parse_json_follows_the_contract(forms: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["parse", str(forms / "Ludvika.docx"), str(forms / "Orsa.docx"), "--json"], capsys)
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [o["file"] for o in lines] == [str(forms / "Ludvika.docx"), str(forms / "Orsa.docx")]
    first = lines[0]
    assert set(first) >= {"file", "format", "municipality", "period", "answers", "issues"}
    assert first["format"] == "docx"
    assert first["municipality"] == "Ludvika"
    assert first["period"] == "2026-10"
    assert sorted(first["answers"]) == ["1", "2", "3", "4", "5", "6", "7"]
    expected = sample_answers(default_form(), "Ludvika", Period(2026, 10))
    for n, answer in expected.items():
        assert first["answers"][str(n)] == {"impact": answer.impact, "comment": answer.comment}


def test_parse_a_folder_and_an_unreadable_file_exits_1(forms: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (forms / "trasig.docx").write_bytes(b"PK\x03\x04 this is not a zip file at all")
    code, out, err = run(["parse", str(forms), "--json"], capsys)
    assert code == 1
    objects = {Path(o["file"]).name: o for o in map(json.loads, out.splitlines())}
    assert set(objects) == {"Ludvika.docx", "Orsa.docx", "trasig.docx"}
    broken = objects["trasig.docx"]
    assert [i["field"] for i in broken["issues"]] == ["file"]
    assert broken["issues"][0]["severity"] == "error"
    assert all(a == {"impact": None, "comment": ""} for a in broken["answers"].values())
    assert "Traceback" not in err


def test_missing_file_is_a_file_error_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["parse", str(tmp_path / "finns-inte.docx"), "--json"], capsys)
    assert code == 1
    assert json.loads(out)["issues"][0]["field"] == "file"
    assert "Traceback" not in err


@pytest.mark.parametrize("order", ["before", "after"])
def test_config_option_before_or_after_the_command(tmp_path: Path, order: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[mailbox]\nsorce = "x"\n', encoding="utf-8")
    args = ["--config", str(bad), "parse", "x.docx"] if order == "before" else ["parse", "x.docx", "--config", str(bad)]
    code, _, err = run(args, capsys)
    assert code == 2
    assert err.count("\n") == 1 and "unknown key 'sorce'" in err


def test_bad_now_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["demo", "--workspace", str(tmp_path), "--now", "yesterday"], capsys)
    assert code == 2
    assert "--now" in err


def test_forms_writes_prefilled_docx_and_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["forms", "--out", str(tmp_path), "--municipality", "malung-sälens kommun",
                        "--period", "2026-10"], capsys)
    assert code == 0
    written = sorted(Path(p).suffix for p in out.split("\n") if p)
    assert written == [".docx", ".xlsx"]
    assert all("Malung-Sälen" in Path(p).name for p in out.split("\n") if p)


def test_forms_rejects_a_bad_period(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["forms", "--out", str(tmp_path), "--period", "oktober"], capsys)
    assert code == 2
    assert "YYYY-MM" in err


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert re.search(rf"lagesbild {name}\b", readme), f"`lagesbild {name}` is not documented in README.md"


def test_python_dash_m_runs_the_same_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "lagesbild", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "parse" in done.stdout and "forms" in done.stdout


def test_the_configuration_reference_in_the_readme_is_generated_from_the_example() -> None:
    from lagesbild.docs import END, START, config_reference

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(START) + len(START):readme.index(END)].strip()
    assert section == config_reference().strip(), "run: python -m lagesbild.docs, and paste it into README.md"
    for key in ("first_period", "raw_message_days", "replies_per_sender_per_hour", "max_attempts"):
        assert f"`{key}`" in section


@pytest.mark.parametrize("command", [["poll", "--once", "--json"], ["reprocess"]])
def test_long_commands_freeze_the_start_up_heap(tmp_path: Path, command: list[str],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """poll and reprocess move what start-up loaded out of the collector's sight (lagesbild.runtime.settle_heap)."""
    import gc

    config = tmp_path / "config.toml"
    config.write_text('[mailbox]\nsource = "maildir:data/Maildir"\n[store]\nurl = "sqlite:///data/l.db"\n'
                      '[outbox]\ntransport = "file:data/outbox"\n', encoding="utf-8")
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        code, out, err = run([*command, "--config", str(config)], capsys)
        assert code == 0, err
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
