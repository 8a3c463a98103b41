"""`lagesbild doctor` against real servers and real files: what it finds, how it says it, that it changes nothing.

Dovecot (tests/support/dovecot.py) and aiosmtpd (tests/support/smtp.py) run
on loopback ports; PostgreSQL tests skip without a server. Most tests run
only the check groups they are about (`only=`), since the templates check
draws the digest's charts and takes a few seconds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from jinja2 import Environment, FileSystemLoader, StrictUndefined

import outputs.replies
from ingest.maildir import MaildirSource
from ingest.settings import configured_folders
from lagesbild.config import load_config
from lagesbild.doctor import exit_code, format_checks, run_doctor
from lagesbild.doctor import templates as doctor_templates
from lagesbild.doctor.checks import Check
from lagesbild.doctor.outbox import smtp_security
from store.db import HEAD_REVISION, _alembic_config, current_revision, make_engine, migrate
from tests.support import dovecot, postgres
from tests.support import graph as fake_graph
from tests.support.dovecot import DovecotServer, free_port
from tests.support.smtp import start_smtp

NOW = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
needs_dovecot = pytest.mark.skipif(not dovecot.available(), reason="Dovecot is not installed (./run tests installs it)")

# A complete, sensible county: real-looking addresses, first_period set, no signals.
GOOD_COUNTY = """signals = []
[county]
first_period = "2026-01"
mailbox_address = "lagesbild@lansstyrelsen.se"
staff = ["handlaggare@lansstyrelsen.se"]
leadership = ["ledning@lansstyrelsen.se"]
"""
EMBEDDED = """
[mailbox]
source = "maildir:Maildir"
[store]
url = "sqlite:///lb.db"
[outbox]
transport = "file:outbox"
"""


def write_config(folder: Path, text: str, county: str = GOOD_COUNTY) -> str:
    path = folder / "config.toml"
    path.write_text(county + text, encoding="utf-8")
    return str(path)


def by_name(checks: list[Check], name: str) -> list[Check]:
    found = [c for c in checks if c.name == name]
    assert found, format_checks(checks)
    return found


def one(checks: list[Check], name: str) -> Check:
    found = by_name(checks, name)
    assert len(found) == 1, format_checks(checks)
    return found[0]


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every file and folder under `folder`: size, mtime and content hash (folders: 0, mtime, "")."""
    out = {}
    for dirpath, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(dirpath, name)
            st = p.stat()
            digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
            out[str(p.relative_to(folder))] = (st.st_size if p.is_file() else 0, st.st_mtime_ns, digest)
    return out


# --------------------------------------------------------------------------
# The whole run, the embedded set-up
# --------------------------------------------------------------------------


def test_a_good_embedded_installation_is_all_ok_and_left_exactly_as_it_was(tmp_path: Path) -> None:
    config_path = write_config(tmp_path, EMBEDDED + '[security]\ntrusted_authserv_ids = ["mx.lansstyrelsen.se"]\n')
    config = load_config(config_path)
    source = MaildirSource(tmp_path / "Maildir", configured_folders(config.mailbox))
    source.list_refs()  # creates the Maildir, as the worker's first run does
    (tmp_path / "Maildir" / "new" / "1700000000.M1.host").write_bytes(b"Subject: x\r\n\r\nhej\r\n")
    engine = make_engine(config.store.url)
    migrate(engine)
    engine.dispose()
    (tmp_path / "outbox").mkdir()
    before = snapshot(tmp_path)

    checks = run_doctor(config_path, {}, NOW)

    text = format_checks(checks)
    assert all(c.ok and not c.warning and not c.skipped for c in checks), text
    assert exit_code(checks) == 0
    assert [c.name for c in checks] == ["configuration", "secrets", "mailbox", "folders", "outbox", "database",
                                        "templates", "recipients", "county", "municipalities", "signals",
                                        "security"]
    assert one(checks, "mailbox").message.endswith("1 message waiting")
    assert f"is at revision {HEAD_REVISION}, the code's" in one(checks, "database").message
    assert "digest" in one(checks, "templates").message
    assert all(line.startswith("ok   ") for line in text.splitlines())
    assert snapshot(tmp_path) == before  # no folder, no -wal/-shm, nothing touched


def test_a_fresh_workspace_is_ok_and_nothing_is_created(tmp_path: Path) -> None:
    config_path = write_config(tmp_path, EMBEDDED)
    checks = run_doctor(config_path, {}, NOW, only=("mailbox", "outbox", "database"))
    assert exit_code(checks) == 0, format_checks(checks)
    assert "does not exist yet; created on first run" in one(checks, "mailbox").message
    assert "created on first send" in one(checks, "outbox").message
    assert "created and migrated on first run" in one(checks, "database").message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_folders_that_cannot_be_created_fail_and_name_the_user(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")  # so nothing can be created below it, even by root
    config_path = write_config(tmp_path, f"""
[mailbox]
source = "maildir:{blocker}/Maildir"
[store]
url = "sqlite:///{blocker}/db/lb.db"
[outbox]
transport = "file:{blocker}/outbox"
""")
    checks = run_doctor(config_path, {}, NOW, only=("mailbox", "outbox", "database"))
    assert exit_code(checks) == 1
    for name in ("mailbox", "outbox", "database"):
        check = one(checks, name)
        assert not check.ok and f"{blocker} is not writable" in check.message and check.fix, format_checks(checks)


# --------------------------------------------------------------------------
# Configuration and secrets
# --------------------------------------------------------------------------


def test_an_invalid_configuration_is_one_failed_check_naming_the_key(tmp_path: Path) -> None:
    config_path = write_config(tmp_path, '[mailbox]\nsource = "pop3://mail.lansstyrelsen.se"\n')
    checks = run_doctor(config_path, {}, NOW)
    assert len(checks) == 1 and checks[0].name == "configuration" and not checks[0].ok
    assert "[mailbox] source" in checks[0].message and "pop3://" in checks[0].message
    assert "correct that key in" in checks[0].fix
    assert exit_code(checks) == 2
    assert format_checks(checks).startswith("FAIL configuration: ")


def test_a_configuration_that_is_not_toml_or_not_there_is_reported(tmp_path: Path) -> None:
    broken = write_config(tmp_path, "[mailbox\n")
    checks = run_doctor(broken, {}, NOW)
    assert len(checks) == 1 and "not valid TOML" in checks[0].message and exit_code(checks) == 2
    missing = run_doctor(str(tmp_path / "nowhere.toml"), {}, NOW)
    assert len(missing) == 1 and "cannot read configuration file" in missing[0].message
    assert "--config" in missing[0].fix and exit_code(missing) == 2


def test_the_configuration_comes_from_lagesbild_config_in_the_given_environment(tmp_path: Path) -> None:
    config_path = write_config(tmp_path, EMBEDDED)
    checks = run_doctor(None, {"LAGESBILD_CONFIG": config_path}, NOW, only=("secrets",))
    assert one(checks, "configuration").message.startswith(f"{config_path} (from $LAGESBILD_CONFIG) is valid")


def test_a_missing_environment_variable_fails_and_the_mailbox_is_not_tried(tmp_path: Path) -> None:
    config_path = write_config(tmp_path, f"""
[mailbox]
source = "imap://lagesbild@127.0.0.1:{free_port()}/INBOX"
password_env = "TEST_IMAP_PASSWORD"
[store]
url = "sqlite:///lb.db"
[outbox]
transport = "smtp://127.0.0.1:{free_port()}"
username = "lagesbild"
password_env = "TEST_SMTP_PASSWORD"
""")
    checks = run_doctor(config_path, {"TEST_SMTP_PASSWORD": ""}, NOW, only=("secrets", "mailbox", "outbox"))
    secrets = by_name(checks, "secrets")
    assert [c.ok for c in secrets] == [False, False]
    assert secrets[0].message.startswith("$TEST_IMAP_PASSWORD is not set, but the IMAP mailbox logs in with a "
                                         "password")
    assert "EnvironmentFile=" in secrets[0].fix
    assert secrets[1].message.startswith("$TEST_SMTP_PASSWORD is set but empty")
    assert one(checks, "mailbox").skipped and "$TEST_IMAP_PASSWORD" in one(checks, "mailbox").message
    assert one(checks, "outbox").skipped
    assert exit_code(checks) == 1
    assert "skip mailbox: not tried: $TEST_IMAP_PASSWORD is missing" in format_checks(checks)


# --------------------------------------------------------------------------
# IMAP (Dovecot with STARTTLS)
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def imap() -> Iterator[DovecotServer]:
    with dovecot.running_dovecot(tls=True) as server:
        yield server


def imap_config(folder: Path, url: str) -> str:
    return write_config(folder, f"""
[mailbox]
source = "{url}"
password_env = "TEST_IMAP_PASSWORD"
[store]
url = "sqlite:///lb.db"
[outbox]
transport = "file:outbox"
""")


@needs_dovecot
def test_imap_login_opens_the_inbox_read_only_and_creates_no_folder(imap: DovecotServer, tmp_path: Path) -> None:
    admin = imap.client()
    admin.create_folder("Doktor")
    admin.append("Doktor", b"From: a@orsa.se\r\nSubject: x\r\n\r\nhej\r\n")
    delimiter = admin.list_folders("", "")[0][1].decode()
    admin.create_folder(f"Lägesbild{delimiter}Behandlade")
    config_path = imap_config(tmp_path, imap.url("Doktor"))

    checks = run_doctor(config_path, {"TEST_IMAP_PASSWORD": imap.password}, NOW, only=("secrets", "mailbox"),
                        ssl_context=imap.ssl_context())

    assert exit_code(checks) == 0, format_checks(checks)
    assert one(checks, "secrets").message == "$TEST_IMAP_PASSWORD is set"
    assert one(checks, "mailbox").message == (f"logged in as lagesbild@127.0.0.1:{imap.port}, folder Doktor opened "
                                              "read-only: 1 message waiting")
    folders = one(checks, "folders")
    assert folders.ok and folders.message == ("Lägesbild/Karantän, Lägesbild/Fel and Lägesbild/Ignorerade do not "
                                              "exist yet; created when first needed")
    names = {str(f[2]) for f in admin.list_folders()}
    assert not any("Karant" in n or "Fel" in n for n in names)  # asked about, never created
    admin.select_folder("Doktor", readonly=True)
    # Not marked read, and still \Recent: nobody SELECTed the folder read-write (EXAMINE does not take it).
    assert admin.get_flags(admin.search(["ALL"])) == {1: (b"\\Recent",)}
    admin.logout()


@needs_dovecot
def test_an_imap_folder_that_does_not_exist_is_named(imap: DovecotServer, tmp_path: Path) -> None:
    config_path = imap_config(tmp_path, imap.url("Finns-inte"))
    checks = run_doctor(config_path, {"TEST_IMAP_PASSWORD": imap.password}, NOW, only=("mailbox",),
                        ssl_context=imap.ssl_context())
    check = one(checks, "mailbox")
    assert not check.ok and check.message.startswith("cannot open the folder 'Finns-inte' as lagesbild")
    assert "[mailbox] source" in check.fix


@needs_dovecot
def test_an_untrusted_imap_certificate_says_so(imap: DovecotServer, tmp_path: Path) -> None:
    config_path = imap_config(tmp_path, imap.url())
    checks = run_doctor(config_path, {"TEST_IMAP_PASSWORD": imap.password}, NOW, only=("mailbox",))
    check = one(checks, "mailbox")  # the system trust store does not know the test CA
    assert not check.ok and check.message.startswith(f"the TLS certificate of 127.0.0.1:{imap.port} is not trusted")
    assert "trust store" in check.fix


@needs_dovecot
def test_an_imap_server_without_starttls_is_refused_unless_allowed_for_loopback(tmp_path: Path) -> None:
    with dovecot.running_dovecot(tls=False) as plain:
        config_path = imap_config(tmp_path, plain.url())
        env = {"TEST_IMAP_PASSWORD": plain.password}
        check = one(run_doctor(config_path, env, NOW, only=("mailbox",)), "mailbox")
        assert not check.ok and "does not offer STARTTLS, so Lägesbild will not log in" in check.message
        assert "allow_plaintext_loopback = true" in check.fix
        allowed = Path(config_path).read_text().replace("[mailbox]\n", "[mailbox]\nallow_plaintext_loopback = true\n")
        Path(config_path).write_text(allowed)
        assert one(run_doctor(config_path, env, NOW, only=("mailbox",)), "mailbox").ok


# Last of the Dovecot tests: Dovecot slows down logins from an address after a refused one.
@needs_dovecot
def test_a_wrong_imap_password_fails_naming_the_variable_never_the_password(imap: DovecotServer,
                                                                             tmp_path: Path) -> None:
    wrong = "fel-lösenord-" + imap.password[::-1]
    config_path = imap_config(tmp_path, imap.url())
    checks = run_doctor(config_path, {"TEST_IMAP_PASSWORD": wrong}, NOW, only=("mailbox",),
                        ssl_context=imap.ssl_context())
    text = format_checks(checks)
    assert "FAIL mailbox: login refused for lagesbild@127.0.0.1 — fix: check the user in [mailbox] source and the " \
           "password in $TEST_IMAP_PASSWORD" in text
    assert wrong not in text and imap.password not in text
    assert exit_code(checks) == 1


def test_an_unreachable_imap_port_says_refused_and_where_to_look(tmp_path: Path) -> None:
    port = free_port()
    config_path = imap_config(tmp_path, f"imap://lagesbild@127.0.0.1:{port}/INBOX")
    checks = run_doctor(config_path, {"TEST_IMAP_PASSWORD": "x-secret"}, NOW, only=("mailbox",))
    assert format_checks(checks).splitlines()[-1] == (
        f"FAIL mailbox: 127.0.0.1:{port} refused the connection — fix: check the host and port in [mailbox] source "
        "and that the server is running")


# --------------------------------------------------------------------------
# SMTP and Graph
# --------------------------------------------------------------------------


def smtp_config(folder: Path, url: str, username: str = "") -> str:
    return write_config(folder, f"""
[mailbox]
source = "maildir:Maildir"
[store]
url = "sqlite:///lb.db"
[outbox]
transport = "{url}"
username = "{username}"
password_env = "TEST_SMTP_PASSWORD"
""")


@pytest.mark.parametrize(("implicit", "offered", "required", "expected"), [
    (True, False, True, "tls"),
    (False, True, True, "starttls"),
    (False, True, False, "starttls"),
    (False, False, False, "plain"),
    (False, False, True, "refuse"),
])
def test_smtp_security_follows_the_transports_rule(implicit: bool, offered: bool, required: bool,
                                                   expected: str) -> None:
    assert smtp_security(implicit_tls=implicit, starttls_offered=offered, require_tls=required) == expected


def test_smtp_with_starttls_and_a_utf8_password_logs_in_and_sends_nothing(tmp_path: Path) -> None:
    with start_smtp(tmp_path, starttls=True, auth=True) as smtp:
        assert smtp.credentials is not None
        config_path = smtp_config(tmp_path, f"smtp://127.0.0.1:{smtp.port}", smtp.credentials.username)
        good = {"TEST_SMTP_PASSWORD": smtp.credentials.password}
        ok = one(run_doctor(config_path, good, NOW, only=("outbox",), ssl_context=smtp.client_context()), "outbox")
        wrong = "inte-" + smtp.credentials.password
        checks = run_doctor(config_path, {"TEST_SMTP_PASSWORD": wrong}, NOW, only=("outbox",),
                            ssl_context=smtp.client_context())
        assert smtp.handler.received == []
    assert ok.ok and ok.message == (f"smtp://127.0.0.1:{smtp.port} answers, STARTTLS, logged in as lagesbild; "
                                    "nothing was sent")
    failed = one(checks, "outbox")
    assert not failed.ok and failed.message.startswith(f"smtp://127.0.0.1:{smtp.port} refused the login for lagesbild")
    assert "$TEST_SMTP_PASSWORD" in failed.fix
    assert wrong not in format_checks(checks) and smtp.credentials.password not in format_checks(checks)


def test_plain_smtp_on_loopback_is_ok_and_an_unreachable_port_is_not(tmp_path: Path) -> None:
    with start_smtp() as smtp:
        checks = run_doctor(smtp_config(tmp_path, f"smtp://127.0.0.1:{smtp.port}"), {}, NOW, only=("outbox",))
    assert one(checks, "outbox").message.endswith("answers, unencrypted (this machine only); nothing was sent")
    port = free_port()
    failed = one(run_doctor(smtp_config(tmp_path, f"smtp://127.0.0.1:{port}"), {}, NOW, only=("outbox",)), "outbox")
    assert not failed.ok and failed.message == f"127.0.0.1:{port} refused the connection"
    assert "[outbox] transport" in failed.fix


def _non_loopback_address() -> str | None:
    """An address of this machine other than loopback, or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.123", 9))  # no packet is sent: this only picks the outgoing interface
            address = str(s.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_smtp_without_starttls_on_a_non_loopback_address_fails(tmp_path: Path) -> None:
    host = _non_loopback_address()
    if host is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    with start_smtp(host=host) as smtp:
        checks = run_doctor(smtp_config(tmp_path, f"smtp://{host}:{smtp.port}"), {}, NOW, only=("outbox",))
        assert smtp.handler.received == []
    assert format_checks(checks).splitlines()[-1] == (
        f"FAIL outbox: smtp://{host}:{smtp.port} does not offer STARTTLS; Lägesbild sends unencrypted only to this "
        "machine — fix: enable STARTTLS on the mail server, or use smtps:// (port 465)")


def test_graph_gets_a_token_and_a_wrong_secret_fails_without_showing_it(tmp_path: Path) -> None:
    config_path = write_config(tmp_path, f"""
[mailbox]
source = "maildir:Maildir"
[store]
url = "sqlite:///lb.db"
[outbox]
transport = "graph:"
graph_tenant_id = "{fake_graph.TENANT}"
graph_client_id = "{fake_graph.CLIENT_ID}"
graph_mailbox = "{fake_graph.MAILBOX}"
graph_client_secret_env = "TEST_GRAPH_SECRET"
""")
    with fake_graph.start_graph() as graph:
        good = run_doctor(config_path, {"TEST_GRAPH_SECRET": fake_graph.CLIENT_SECRET}, NOW, only=("outbox",),
                          graph_token_url=graph.token_url, ssl_context=graph.ssl_context)
        bad = run_doctor(config_path, {"TEST_GRAPH_SECRET": "fel-hemlighet-123"}, NOW, only=("outbox",),
                         graph_token_url=graph.token_url, ssl_context=graph.ssl_context)
        assert graph.state.sent == []
    assert one(good, "outbox").ok and f"mail goes out as {fake_graph.MAILBOX}" in one(good, "outbox").message
    failed = one(bad, "outbox")
    assert not failed.ok and failed.message.startswith(f"no Graph token for client {fake_graph.CLIENT_ID}")
    assert "$TEST_GRAPH_SECRET" in failed.fix and "fel-hemlighet-123" not in format_checks(bad)


# --------------------------------------------------------------------------
# Database
# --------------------------------------------------------------------------


def test_an_older_database_is_reported_and_not_migrated(tmp_path: Path) -> None:
    config_path = write_config(tmp_path, EMBEDDED)
    engine = make_engine(f"sqlite:///{tmp_path / 'lb.db'}")
    with engine.connect() as conn, conn.begin():
        command.upgrade(_alembic_config(conn), "0001")
    engine.dispose()
    before = snapshot(tmp_path)

    checks = run_doctor(config_path, {}, NOW, only=("database",))

    check = one(checks, "database")
    assert check.warning and check.message == (f"sqlite:///{tmp_path / 'lb.db'} is at revision 0001, "
                                               f"the code at {HEAD_REVISION}")
    assert "it migrates on start" in check.fix and "back it up" in check.fix
    assert exit_code(checks) == 0
    assert snapshot(tmp_path) == before
    engine = make_engine(f"sqlite:///{tmp_path / 'lb.db'}")
    assert current_revision(engine) == "0001"
    engine.dispose()


def test_a_database_from_a_newer_version_or_not_a_database_fails(tmp_path: Path) -> None:
    config_path = write_config(tmp_path, EMBEDDED)
    engine = make_engine(f"sqlite:///{tmp_path / 'lb.db'}")
    migrate(engine)
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    engine.dispose()
    newer = one(run_doctor(config_path, {}, NOW, only=("database",)), "database")
    assert not newer.ok and "is at revision 0099, which this version of Lägesbild does not know" in newer.message
    (tmp_path / "lb.db").write_bytes(b"not a database at all " * 100)
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"lb.db{suffix}").unlink(missing_ok=True)
    damaged = one(run_doctor(config_path, {}, NOW, only=("database",)), "database")
    assert not damaged.ok and "cannot be read as a database (file is not a database)" in damaged.message


def test_an_unreachable_postgresql_server_names_the_url_without_the_password(tmp_path: Path) -> None:
    port = free_port()
    config_path = write_config(tmp_path, f"""
[mailbox]
source = "maildir:Maildir"
[store]
url = "postgresql+psycopg://lagesbild:hemligt-i-url@127.0.0.1:{port}/lagesbild"
[outbox]
transport = "file:outbox"
""")
    checks = run_doctor(config_path, {}, NOW, only=("database",))
    check = one(checks, "database")
    assert not check.ok and check.message.startswith(f"cannot reach postgresql+psycopg://lagesbild:***@127.0.0.1:{port}")
    assert "hemligt-i-url" not in format_checks(checks)


def test_an_older_postgresql_schema_is_reported_and_not_migrated(tmp_path: Path) -> None:
    reason = postgres.available()
    if reason:
        pytest.skip(reason)
    url, drop = postgres.fresh_schema()
    try:
        engine = make_engine(url)
        with engine.connect() as conn, conn.begin():
            command.upgrade(_alembic_config(conn), "0001")
        config_path = write_config(tmp_path, f'\n[store]\nurl = "{url}"\n')
        check = one(run_doctor(config_path, {}, NOW, only=("database",)), "database")
        assert check.warning and check.message.endswith(f"is at revision 0001, the code at {HEAD_REVISION}")
        assert current_revision(engine) == "0001"
        engine.dispose()
    finally:
        drop()


# --------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------


def _environment_from(folder: Path) -> Environment:
    return Environment(loader=FileSystemLoader(str(folder)), undefined=StrictUndefined,
                       autoescape=lambda name: name is not None and name.endswith(".html.j2"),
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@pytest.mark.parametrize(("template", "broken", "expected"), [
    ("receipt.txt.j2", "{% if %}\n", "receipt.txt.j2 line 1: "),
    ("reminder.txt.j2", "{{ no_such_value }}\n", "reminder.txt.j2 line 1: 'no_such_value' is undefined"),
])
def test_a_broken_template_is_named_with_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   template: str, broken: str, expected: str) -> None:
    copy = tmp_path / "templates"
    shutil.copytree(Path(outputs.replies.__file__).parent / "templates", copy)
    (copy / template).write_text(broken + (copy / template).read_text(encoding="utf-8"), encoding="utf-8")
    env = _environment_from(copy)
    # Both the doctor and the mail builders ask outputs.replies.environment() for their templates.
    monkeypatch.setattr(outputs.replies, "environment", lambda: env)
    monkeypatch.setattr(doctor_templates, "environment", lambda: env)
    checks = run_doctor(write_config(tmp_path, EMBEDDED), {}, NOW, only=("templates",))
    check = one(checks, "templates")
    assert not check.ok and check.message.startswith(expected), check.message
    assert f"outputs/templates/{template}" in check.fix


# --------------------------------------------------------------------------
# The county
# --------------------------------------------------------------------------


def test_county_gaps_are_reported_one_line_each(tmp_path: Path) -> None:
    county = """groups = []
[county]
staff = []
leadership = ["ledning@lansstyrelsen-dalarna.example"]

[[municipalities]]
name = "Orsa"
domains = ["orsa.se"]

[[municipalities]]
name = "Mora"
domains = []
contacts = ["samordnare@mora.se"]
"""
    checks = run_doctor(write_config(tmp_path, EMBEDDED, county=county), {}, NOW, only=("county",))
    text = format_checks(checks)
    assert "FAIL recipients: [county] staff is empty: quarantine and error notices and the compilations reach " \
           "nobody — fix: add the county staff's addresses to [county] staff" in text
    assert "warn recipients: [county] mailbox_address lagesbild@lansstyrelsen-dalarna.example; leadership " \
           "ledning@lansstyrelsen-dalarna.example: example address, mail to it goes nowhere" in text
    assert "warn county: [county] first_period is not set" in text
    assert "FAIL municipalities: Mora has no sender domains or addresses: every report from them is " \
           "quarantined" in text
    assert "warn municipalities: Orsa has no contacts: reminders go to the last sender" in text
    assert "warn signals: example addresses: ANDT → andt@lansstyrelsen-dalarna.example" in text
    assert exit_code(checks) == 1


def test_format_and_exit_code() -> None:
    checks = [Check("mailbox", True, "fine"), Check("county", True, "first_period is not set", "set it"),
              Check("outbox", False, "refused", "check the port"), Check("database", True, "not tried", skipped=True)]
    assert format_checks(checks) == ("ok   mailbox: fine\n"
                                     "warn county: first_period is not set — fix: set it\n"
                                     "FAIL outbox: refused — fix: check the port\n"
                                     "skip database: not tried")
    assert exit_code(checks) == 1
    assert exit_code(checks[:2] + checks[3:]) == 0
    assert exit_code([Check("configuration", False, "bad", "fix it")]) == 2


def _reminder_texts(config_path: str | None) -> list[str]:
    config = load_config(config_path)
    texts = []
    for msg in doctor_templates.sample_reminders(config, NOW):
        body = msg.get_body(("plain",))
        assert body is not None
        texts.append(f"{msg['Subject']}\n{body.get_content()}")
    return texts


def test_the_sample_reminders_of_a_weekly_form_are_for_a_week_with_its_configured_deadline() -> None:
    """Örebro's EST checklist is due Tuesday 16:00 of its week: the doctor's reminders (5 November 2026, week
    45) are for week 44 with Tuesday 27 October at 16.00, not a month's last working day (Friday 30 October)."""
    weekly = str(Path(__file__).parents[2] / "examples" / "orebro-est-weekly.toml")

    texts = _reminder_texts(weekly)

    assert len(texts) == 3
    for text in texts:
        assert "27 oktober" in text and "16.00" in text, text
        assert "30 oktober" not in text and "oktober 2026" not in text, text
    assert "vecka 44" in " ".join(texts).lower()
    assert doctor_templates.templates_check(load_config(weekly), NOW).ok


def test_the_sample_reminders_of_the_monthly_form_keep_the_last_working_day() -> None:
    texts = _reminder_texts(None)

    assert all("30 oktober" in text and "kl. 16" not in text for text in texts), texts
