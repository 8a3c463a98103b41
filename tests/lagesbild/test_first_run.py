"""A first run with no surprises: what a new user tries first, in an empty folder, and what they see.

Each test failed on the behaviour before: the demo deleted a folder it had not made and suggested a
command not on PATH; `status` without a configuration made ./lagesbild-data and reported everyone
missing, and so did a month before the county started; --out into a new folder was a traceback; a
missing file printed an empty table; `remind --dry-run` printed nothing; a PostgreSQL URL without its
driver ended in a traceback; ./run printed pip's and setuptools' chatter.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lagesbild.cli import main
from lagesbild.demo import MARKER, prepare_workspace, suggested_command
from lagesbild.samples import sample_answers, template_docx
from parsers.form import default_form
from parsers.result import Period

ROOT = Path(__file__).resolve().parents[2]
OCT = Period(2026, 10)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder as the current directory, as a new user has it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def county(empty: Path) -> Path:
    """A configured county (file mailbox, SQLite, file outbox) with no first_period."""
    for sub in ("new", "cur", "tmp"):
        (empty / "Maildir" / sub).mkdir(parents=True)
    (empty / "config.toml").write_text('signals = []\n[mailbox]\nsource = "maildir:Maildir"\n[store]\n'
                                       'url = "sqlite:///lb.db"\n[outbox]\ntransport = "file:outbox"\n',
                                       encoding="utf-8")
    return empty


# The demo


def test_the_demo_leaves_a_folder_it_did_not_make(empty: Path) -> None:
    mine = empty / "papers"
    mine.mkdir()
    (mine / "budget.xlsx").write_bytes(b"not the demo's")
    with pytest.raises(Exception, match="not made by the demo"):
        prepare_workspace(mine)
    assert (mine / "budget.xlsx").read_bytes() == b"not the demo's" and not (mine / MARKER).exists()
    (empty / "a-file").write_text("x")
    with pytest.raises(Exception, match="not made by the demo"):
        prepare_workspace(empty / "a-file")
    assert (empty / "a-file").read_text() == "x"


def test_the_demo_command_refuses_a_foreign_folder_with_one_line(empty: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (empty / "notes").mkdir()
    (empty / "notes" / "keep.txt").write_text("keep")
    code, out, err = run(["demo", "--workspace", "notes", "--now", "2026-12-05T10:00"], capsys)
    assert code == 2 and out == ""
    assert err.strip().startswith("lagesbild: --workspace: notes already exists and was not made by the demo")
    assert len(err.strip().splitlines()) == 1
    assert (empty / "notes" / "keep.txt").read_text() == "keep"


def test_the_demo_replaces_only_its_own_workspace(empty: Path) -> None:
    prepare_workspace(empty / "demo")  # new: made, with the marker
    (empty / "demo" / "old.eml").write_text("from the last run")
    prepare_workspace(empty / "demo")  # the demo's own: replaced
    assert sorted(p.name for p in (empty / "demo").iterdir()) == [MARKER]
    (empty / "empty").mkdir()
    prepare_workspace(empty / "empty")  # an empty folder is fine: nothing to lose
    assert (empty / "empty" / MARKER).is_file()


def test_the_demo_suggests_a_command_that_runs_here(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no lagesbild on PATH, as under ./run
    monkeypatch.chdir(ROOT)  # ./run works from the checkout
    assert suggested_command() == "./run lagesbild"
    # .venv/bin/lagesbild called by its path in a folder of one's own: there is no ./run here.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    command = suggested_command()
    assert not command.startswith("./run")
    done = subprocess.run([*shlex.split(command), "--version"], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0 and "lagesbild" in done.stdout, done.stderr
    script = tmp_path / "lagesbild"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert suggested_command() == "lagesbild"


# No configuration


@pytest.mark.parametrize("args", [["status", "--period", "2026-10"], ["export", "--period", "2026-10", "--json"],
                                  ["remind", "--dry-run"], ["compile", "--year", "2026", "--out", "x.xlsx"]])
def test_no_configuration_is_said_and_nothing_is_created(empty: Path, args: list[str],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([*args, "--now", "2026-11-02T09:00"], capsys)
    assert code == 2 and out == ""
    assert err.startswith("lagesbild: no configuration: give --config PATH, set $LAGESBILD_CONFIG or write "
                          "./config.toml") and len(err.strip().splitlines()) == 1
    assert list(empty.iterdir()) == []  # no ./lagesbild-data/


# first_period


def test_first_period_defaults_to_the_first_runs_month_and_is_kept(county: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["status", "--period", "2026-11", "--json", "--now", "2026-11-10T09:00"], capsys)
    assert code == 0 and {m["state"] for m in json.loads(out)["municipalities"]} == {"pending"}
    code, out, _ = run(["status", "--period", "2026-11", "--json", "--now", "2027-01-10T09:00"], capsys)
    assert len(json.loads(out)["missing"]) == 15  # the first run's month counts
    code, out, _ = run(["status", "--period", "2026-10", "--json", "--now", "2027-01-10T09:00"], capsys)
    assert code == 0
    assert json.loads(out) == {"period": "2026-10", "first_period": "2026-11", "before_first_period": True}
    code, out, _ = run(["status", "--period", "2026-10", "--now", "2027-01-10T09:00"], capsys)
    assert out.strip() == "2026-10 is before Dalarnas län started collecting (2026-11): nobody reports for it"
    # The command line speaks one language, English, like its help and its errors.
    code, out, _ = run(["status", "--period", "2026-11", "--now", "2027-01-10T09:00"], capsys)
    assert "Reports for 2026-11" in out and "missing" in out and "In quarantine: 0" in out
    assert not {"saknas", "Karantän", "Arbetaren", "Utkorgen"} & set(out.replace(":", " ").split())
    # A later run does not move the start: December counts, October still does not.
    code, out, _ = run(["status", "--period", "2026-12", "--json", "--now", "2027-01-10T09:00"], capsys)
    assert len(json.loads(out)["missing"]) == 15


def test_a_configured_first_period_wins_over_the_first_run(county: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = county / "config.toml"
    config.write_text(config.read_text() + '[county]\nfirst_period = "2026-09"\n', encoding="utf-8")
    code, out, _ = run(["status", "--period", "2026-09", "--json", "--now", "2026-11-10T09:00"], capsys)
    assert code == 0 and len(json.loads(out)["missing"]) == 15
    code, out, _ = run(["status", "--period", "2026-08", "--json", "--now", "2026-11-10T09:00"], capsys)
    assert json.loads(out)["before_first_period"] is True


# Outputs into new folders, a missing file, nothing due


def test_out_into_a_missing_folder_makes_it(county: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["compile", "--year", "2026", "--out", "ut/år/lb.xlsx", "--now", "2026-11-02T09:00"],
                         capsys)
    assert (code, err) == (0, "") and out.strip() == "ut/år/lb.xlsx"
    assert load_workbook(county / "ut" / "år" / "lb.xlsx").sheetnames
    code, out, err = run(["digest", "--period", "2026-11", "--out", "brev/nov.html", "--now", "2026-12-05T09:00"],
                         capsys)
    assert (code, err) == (0, "") and "<html" in (county / "brev" / "nov.html").read_text(encoding="utf-8").lower()
    code, out, err = run(["forms", "--out", "blanketter/ny", "--municipality", "Orsa", "--period", "2026-11"],
                         capsys)
    assert code == 0 and len(list((county / "blanketter" / "ny").iterdir())) == 2


def test_out_where_nothing_can_be_written_is_one_line(county: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (county / "blocked").write_text("a file, not a folder")
    code, out, err = run(["compile", "--year", "2026", "--out", "blocked/lb.xlsx", "--now", "2026-11-02T09:00"],
                         capsys)
    assert code == 1 and out == ""
    assert err.startswith("lagesbild: cannot write blocked/lb.xlsx:") and len(err.strip().splitlines()) == 1
    code, _, err = run(["forms", "--out", "blocked/sub"], capsys)
    assert code == 1 and err.startswith("lagesbild: cannot write to blocked/sub:")


def test_parse_of_a_missing_file_says_so_without_an_empty_table(empty: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    form = default_form()
    (empty / "Orsa.docx").write_bytes(template_docx(form, "Orsa", OCT, sample_answers(form, "Orsa", OCT)))
    code, out, _ = run(["parse", "finns-inte.docx", "Orsa.docx"], capsys)
    assert code == 1
    missing, rest = out.split("Orsa.docx", 1)
    assert missing.splitlines()[0] == "finns-inte.docx"
    assert "error: file: Filen kunde inte öppnas" in missing and "Question" not in missing
    assert "Question" in rest  # a readable file still gets its table


def test_remind_dry_run_says_when_nothing_is_due(county: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["remind", "--dry-run", "--now", "2026-11-10T09:00"], capsys)
    assert code == 0 and out.strip() == "no reminders due at 2026-11-10 09:00"


# PostgreSQL without its driver; ./run's own output


def test_a_postgresql_url_without_the_driver_says_what_to_install(county: Path) -> None:
    config = county / "config.toml"
    config.write_text(config.read_text().replace("sqlite:///lb.db", "postgresql://lb@127.0.0.1:5432/lb"),
                      encoding="utf-8")
    # The driver hidden, as on a machine where only `pip install lagesbild` ran.
    code = ("import sys; sys.modules['psycopg'] = None; from lagesbild.cli import main; "
            "sys.exit(main(['status', '--period', '2026-11', '--now', '2026-11-10T09:00']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=county, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == ("lagesbild: [store] url: postgresql+psycopg needs the PostgreSQL driver psycopg, "
                                   "which is not installed; install lagesbild[postgres] "
                                   "(pip install 'lagesbild[postgres]')")


def test_run_prints_its_help_and_keeps_pips_chatter_in_a_log(tmp_path: Path) -> None:
    done = subprocess.run(["bash", str(ROOT / "run")], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.splitlines()[0].startswith("Set-up and everyday commands")
    assert all(line.startswith(("  ", "Set-up")) for line in done.stdout.splitlines())
    # ensure_venv on a venv whose install fails: the log is shown then; on success nothing but one line.
    clone = tmp_path / "clone"
    clone.mkdir()
    shutil.copy(ROOT / "run", clone / "run")
    (clone / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "postgres.sh", clone / "scripts" / "postgres.sh")
    (clone / "pyproject.toml").write_text("not toml at all [[[\n")
    venv = clone / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").write_text('#!/bin/sh\necho "pip says a lot" >&2\nexec true\n')
    (venv / "python").chmod(0o755)
    (venv / "lagesbild").write_text('#!/bin/sh\necho "lagesbild $*"\n')
    (venv / "lagesbild").chmod(0o755)
    ok = subprocess.run(["bash", str(clone / "run"), "lagesbild", "--version"], capture_output=True, text=True,
                        timeout=60, check=False)
    assert ok.returncode == 0 and ok.stdout == "lagesbild --version\n"
    assert ok.stderr == "run: installing lagesbild[postgres] into .venv (log: .venv/install.log)\n"
    assert "pip says a lot" in (clone / ".venv" / "install.log").read_text()
