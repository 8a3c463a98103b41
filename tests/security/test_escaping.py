"""What municipalities write is data in every output: never markup, template code, a header or a formula.

One cycle through a real Maildir files a form whose comments are hostile,
answers a mail whose file name and subject are hostile, and quarantines one
from an outsider; then the digest and the county workbook are built from the
database. Each output is read back the way its reader would: mail parsed
from its bytes, HTML searched for live tags, the workbook opened with
openpyxl and its sheet XML searched for formulas. The unit tests in
tests/outputs check each renderer alone; these check the whole path.
"""

from __future__ import annotations

import email
import io
import zipfile
from dataclasses import dataclass, replace
from email import policy
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest

from flow.jobs import make_digest, workbook_file
from flow.reports import export_period
from lagesbild.config import load_config
from lagesbild.samples import sample_answers, template_docx
from parsers.form import default_form
from parsers.result import Answer
from tests.builders import mail as mails
from tests.hostile.box import OCT, HostileBox, at

FORM = default_form()
SCRIPT = '<script>alert("x")</script>'
TEMPLATE = "{{ 7*7 }} {% if true %}ja{% endif %}"
MARKUP = "<b>fet</b> & &amp; <img src=x onerror=alert(1)> ]]> <!-- x -->"
DDE = "@SUM(1+1)*cmd|' /C calc'!A0"
PLUS = "+1+1"
HOSTILE_NAME = "<img src=y onerror=alert(2)>{{7*7}}.docx"
INJECTED = "Lägesbild\r\nBcc: spion@example.org\r\nX-Evil: 1"


def hostile_answers() -> dict[int, Answer]:
    answers = dict(sample_answers(FORM, "Ludvika", OCT))
    answers[1] = Answer(5, f"{SCRIPT} {TEMPLATE} Tydlig narkotikahandel vid torget.")  # severe: in the digest
    answers[2] = Answer(4, '=HYPERLINK("http://example.invalid/x","Klicka")')
    answers[3] = Answer(2, DDE)
    answers[4] = Answer(2, PLUS)
    answers[6] = Answer(1, MARKUP)
    return answers


@dataclass
class Outputs:
    box: HostileBox
    mail: list[tuple[str, EmailMessage, bytes]]

    def of(self, kind: str) -> list[tuple[EmailMessage, bytes]]:
        return [(m, raw) for k, m, raw in self.mail if k == kind]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    config = load_config(None)  # with the shipped signal rules: "narkotikahandel" goes to ANDT
    box = HostileBox(tmp_path_factory.mktemp("escaping"), config)
    data = template_docx(FORM, "Ludvika", OCT, hostile_answers())
    box.deliver(mails.build_mail("samordnare@ludvika.se", "Lägesbild", "Hej",
                                 [("Lägesbild Ludvika.docx", data, mails.DOCX_TYPE)]), at("2026-10-29T10:00"))
    box.deliver(mails.build_mail("samordnare@mora.se", INJECTED, "Hej",
                                 [(HOSTILE_NAME, b"PK\x03\x04trasig", mails.DOCX_TYPE)]), at("2026-10-29T10:01"))
    box.deliver(mails.build_mail("angripare@example.org", f"{INJECTED} {SCRIPT}", "Hej",
                                 [("x.docx", data, mails.DOCX_TYPE)], sender_name=f"Ludvika kommun {SCRIPT}"),
                at("2026-10-29T10:02"))
    report = box.poll(at("2026-10-29T11:00"))
    assert dict(report.outcomes) == {"stored": 1, "rejected": 1, "quarantined": 1}
    return Outputs(box, [(kind, msg, raw) for kind, _, msg, raw in box.mail()])


def plain(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def html_parts(msg: EmailMessage) -> list[str]:
    return [str(p.get_content()) for p in msg.walk() if p.get_content_type() == "text/html"]


def assert_no_live_markup(html: str) -> None:
    """No tag a municipality wrote is a tag here (as escaped text it may stand anywhere)."""
    lower = html.lower()
    for opener in ("<script", "<img src=x", "<img src=y", "<b>fet", "<!-- x"):
        assert opener not in lower, opener


def assert_no_injected_headers(msg: EmailMessage, raw: bytes) -> None:
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    assert not any(line.lower().startswith((b"bcc:", b"x-evil:")) for line in lines)
    assert msg["Bcc"] is None and msg["X-Evil"] is None


def test_the_hostile_comments_are_stored_as_written(outputs: Outputs) -> None:
    [entry] = export_period(outputs.box.engine, outputs.box.config, OCT)
    answers = entry["answers"]
    assert answers["1"]["comment"].startswith(f"{SCRIPT} {TEMPLATE}")
    assert (answers["3"]["comment"], answers["4"]["comment"], answers["6"]["comment"]) == (DDE, PLUS, MARKUP)


def test_the_receipt_shows_the_text_in_plain_and_escapes_it_in_html(outputs: Outputs) -> None:
    [(receipt, raw)] = outputs.of("receipt")
    assert_no_injected_headers(receipt, raw)
    text = plain(receipt)
    assert SCRIPT in text and TEMPLATE in text and MARKUP in text and DDE in text
    [html] = html_parts(receipt)
    assert_no_live_markup(html)
    # Written back by the CSS inliner: <, > and & escaped; quotes, harmless in text, as they are.
    assert '&lt;script&gt;alert("x")&lt;/script&gt;' in html
    assert TEMPLATE in html  # the template code is shown, never run


def test_the_error_reply_names_the_hostile_file_as_text_and_keeps_the_subject_one_header(outputs: Outputs) -> None:
    [(reply, raw)] = outputs.of("error_reply")
    assert_no_injected_headers(reply, raw)
    assert str(reply["Subject"]).startswith("Lägesbilden kunde inte läsas: Lägesbild")
    assert f"{HOSTILE_NAME}: Filen är skadad" in plain(reply)
    for html in html_parts(reply):
        assert_no_live_markup(html)


def test_the_quarantine_notice_to_staff_keeps_the_subject_one_header(outputs: Outputs) -> None:
    [(notice, raw)] = outputs.of("quarantine_notice")
    assert_no_injected_headers(notice, raw)
    assert str(notice["Subject"]).startswith("Karantän: Lägesbild")
    assert "angripare@example.org" in plain(notice)
    assert html_parts(notice) == []  # plain text only: nothing to render


def test_the_signal_to_another_mission_quotes_the_comment_as_text(outputs: Outputs) -> None:
    [(signal, raw)] = outputs.of("signal")
    assert_no_injected_headers(signal, raw)
    assert f"«{SCRIPT} {TEMPLATE} Tydlig narkotikahandel vid torget.»" in plain(signal)
    assert html_parts(signal) == []


def test_the_digest_escapes_every_comment_in_html(outputs: Outputs) -> None:
    digest = make_digest(outputs.box.engine, outputs.box.config, OCT, at("2026-11-05T09:00"))
    assert_no_live_markup(digest.html)
    assert '&lt;script&gt;alert("x")&lt;/script&gt; {{ 7*7 }}' in digest.html  # it is there, as text
    assert SCRIPT in digest.text


def test_the_workbook_holds_text_never_a_formula(outputs: Outputs) -> None:
    _, data = workbook_file(outputs.box.engine, outputs.box.config, 2026, at("2026-11-05T09:00"))
    book = openpyxl.load_workbook(io.BytesIO(data))
    risky = [c for ws in book for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value[:1] in ("=", "+", "-", "@")]
    assert {c.value for c in risky} >= {DDE, PLUS}  # the test is not vacuous
    for cell in risky:
        assert cell.data_type == "s" and cell.quotePrefix, (cell.parent.title, cell.coordinate, cell.value)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                xml = zf.read(name)
                assert b"<f>" not in xml and b"<f " not in xml and b't="e"' not in xml, name
    texts = [str(c.value) for ws in book for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(SCRIPT in t for t in texts)  # markup in a cell is inert text, kept as written


def test_every_mail_sent_parses_back_to_the_same_recipients(outputs: Outputs) -> None:
    """No address was smuggled in: each mail goes exactly where the decision sent it."""
    expected = {"receipt": ["samordnare@ludvika.se"], "error_reply": ["samordnare@mora.se"],
                "quarantine_notice": list(outputs.box.config.county.staff),
                "signal": ["andt@lansstyrelsen-dalarna.example"]}
    for kind, _, raw in outputs.mail:
        reparsed = email.message_from_bytes(raw, policy=policy.default)
        to = [a.addr_spec for a in reparsed["To"].addresses]
        assert to == expected[kind], kind
        assert reparsed["Cc"] is None and reparsed["Bcc"] is None


def test_a_config_with_hostile_names_is_escaped_too(tmp_path: Path) -> None:
    """The county's own strings (sender name) are also data in the HTML receipt."""
    config = load_config(None)
    config = replace(config, signals=(), county=replace(config.county, sender_name=f"Länsstyrelsen {SCRIPT}"))
    box = HostileBox(tmp_path, config)
    box.deliver(mails.build_mail("samordnare@ludvika.se", "Lägesbild", "Hej",
                                 [("l.docx", mails.form_docx("Ludvika"), mails.DOCX_TYPE)]), at("2026-10-29T10:00"))
    box.poll(at("2026-10-29T11:00"))
    [(kind, _, receipt, _)] = box.mail()
    assert kind == "receipt"
    for html in html_parts(receipt):
        assert "<script" not in html.lower()
