"""`lagesbild demo`: the whole month on the embedded defaults, no servers."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from lagesbild.cli import main


def test_the_demo_runs_a_month_and_leaves_what_a_clerk_opens(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    workspace = tmp_path / "demo"
    assert main(["demo", "--workspace", str(workspace), "--now", "2026-11-21T10:00"]) == 0
    out = capsys.readouterr().out
    assert "Älvdalen" in out and "missing" in out
    workbook = workspace / "Lägesbild Dalarnas län 2026.xlsx"
    digest = workspace / "digest-2026-10.html"
    assert workbook.is_file() and digest.is_file()
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.read_bytes()))["1 Ordningsstörningar-otrygghet"]
    october = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=11).value for r in range(5, 20)}
    assert october["Älvdalen"] == "Saknas"
    assert october["Ludvika"] in ("Normalt", "Avvikande", "Oroande", "Allvarligt", "Kritiskt")
    assert sheet.cell(row=5, column=2).value is None  # months before the county started are not "missing"
    html = digest.read_text(encoding="utf-8")
    assert "14 av 15" in html and "19121212" not in html
    mails = list((workspace / "utskick").glob("*.eml"))
    assert len(mails) > 20
    assert not any(b"19121212" in m.read_bytes() for m in mails if b"Signal" in m.read_bytes())
    # The workspace is a working configuration for the other commands.
    assert main(["status", "--period", "2026-10", "--json", "--config", str(workspace / "config.toml"),
                 "--now", "2026-11-21T10:00"]) == 0
    assert '"missing": ["Älvdalen"]' in capsys.readouterr().out
    # It ends with the web page on its data, and a staff account whose password is shown once.
    assert f"web --config {workspace / 'config.toml'}" in out
    password = out.split("sign in as demo with the password ", 1)[1].split()[0]
    _the_demo_account_opens_the_board(workspace, password)


def _the_demo_account_opens_the_board(workspace: Path, password: str) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from lagesbild.config import load_config
    from lagesbild.runtime import open_store
    from tests.web.conftest import make_client, sign_in

    config = load_config(workspace / "config.toml")
    now = datetime(2026, 11, 21, 10, tzinfo=ZoneInfo("Europe/Stockholm"))
    client = make_client(config, open_store(config), lambda: now)
    assert sign_in(client, "demo", password) == 303
    board = client.get("/?period=2026-10")
    assert board.status_code == 200 and "Älvdalen" in board.text
