"""`lagesbild demo --weekly`: a week of the EST weekly checklist, end to end on the embedded defaults."""

from __future__ import annotations

import email
import io
import json
from email import policy
from pathlib import Path

import openpyxl
import pytest

from lagesbild.cli import main


def test_the_weekly_demo_runs_a_week(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workspace = tmp_path / "demo"
    assert main(["demo", "--weekly", "--workspace", str(workspace), "--now", "2026-11-03T10:00"]) == 0
    out = capsys.readouterr().out
    assert "2026-W44" in out and "weekly digest" in out
    digest = workspace / "digest-2026-W44.html"
    html = digest.read_text(encoding="utf-8")
    assert "vecka 44 2026" in html and "Månaden hittills" in html and "19121212" not in html
    sheet = openpyxl.load_workbook(io.BytesIO((workspace / "Lägesbild Dalarnas län 2026.xlsx").read_bytes()))[
        "1 Skadegörelse och klotter"]
    assert sheet.cell(row=4, column=1 + 44).value == "v44"
    week_44 = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=1 + 44).value for r in range(5, 20)}
    assert week_44["Älvdalen"] == "Saknas"
    assert week_44["Falun"] in ("Lugnt", "Viss oro", "Stor oro")
    assert sheet.cell(row=5, column=1 + 43).value is None  # weeks before the county started are not "missing"
    # The workspace's configuration is the weekly county's: status takes the week.
    assert main(["status", "--period", "2026-W44", "--json", "--config", str(workspace / "config.toml"),
                 "--now", "2026-11-03T10:00"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["missing"] == ["Älvdalen"] and status["deadline"] == "2026-10-27"
    subjects = [str(email.message_from_bytes(m.read_bytes(), policy=policy.default)["Subject"])
                for m in (workspace / "utskick").glob("*.eml")]
    missing = sorted(s for s in subjects if s.startswith("Vi saknar"))
    # The morning after the deadline: the two that came late on Thursday, and Älvdalen.
    assert len(missing) == 3 and all("vecka 44 2026" in s for s in missing), missing
