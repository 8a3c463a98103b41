"""The fast MIME splitter builds exactly the tree the email package builds, or leaves the mail to it."""

from __future__ import annotations

import email
import email.message
from email import policy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.message import read_message
from ingest.mime import parse_fast
from tests.builders import hostile as H
from tests.builders import mail as mails


def tree(msg: email.message.Message) -> Any:
    """Everything the feed parser decides about a message, as plain values to compare."""
    payload = msg.get_payload()
    return (
        list(msg.raw_items()), msg.get_unixfrom(), msg.preamble, msg.epilogue,
        [type(d).__name__ for d in msg.defects], msg.get_default_type(), msg.get_charset(),
        [tree(p) for p in payload if isinstance(p, email.message.Message)] if isinstance(payload, list) else payload,
    )


def feed_parser(raw: bytes) -> email.message.Message:
    return email.message_from_bytes(raw, policy=policy.compat32)


def assert_same_or_declined(raw: bytes) -> bool:
    """True when the fast path took the mail (then its tree equals the feed parser's)."""
    fast = parse_fast(raw)
    if fast is None:
        return False
    assert tree(fast) == tree(feed_parser(raw))
    return True


FORM = mails.form_docx()


def report_mails() -> list[bytes]:
    """A report as each mail client sends it, with and without a logo in the signature."""
    out = []
    for client in ("outlook", "gmail", "apple", "mobile"):
        out.append(mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "Hej!\n\nHär kommer den.",
                                    [("Lägesbild oktober.docx", FORM, mails.DOCX_TYPE)], client=client))
    out.append(mails.with_signature_logo("samordnare@mora.se", "Lägesbild", "Hej",
                                         [("mora.docx", FORM, mails.DOCX_TYPE)]))
    return out


def other_mails() -> list[bytes]:
    """Forwards (message/rfc822 inside: the feed parser's), automatic replies and odd ones."""
    out = [mails.forward(raw, "kansli@ludvika.se") for raw in report_mails()]
    out += [mails.latin1_mail("samordnare@orsa.se", "Lägesbild för oktober", "Hej på er",
                              [("orsa.docx", FORM, mails.DOCX_TYPE)]),
            mails.out_of_office("samordnare@mora.se"), mails.read_receipt(), mails.body_only_form("x@ludvika.se"),
            mails.winmail("samordnare@falun.se", "Lägesbild", [("falun.docx", FORM)]),
            mails.many_attachments(30), mails.deep_nesting(8), mails.broken_charset()]
    return out


def test_report_mail_takes_the_fast_path_and_gives_the_same_tree() -> None:
    assert all(assert_same_or_declined(raw) for raw in report_mails())


def test_other_mail_gives_the_same_tree_or_goes_to_the_feed_parser() -> None:
    taken = [assert_same_or_declined(raw) for raw in other_mails()]
    assert 0 < sum(taken) < len(taken)  # both paths are exercised


def test_what_is_read_from_the_bytes_equals_what_the_email_package_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fast path leaves big base64 parts in the message's bytes and decodes them from there.
    raws = report_mails() + other_mails()
    fast = [read_message(raw) for raw in raws]
    assert any(len(a.content) > 4096 for m in fast for a in m.attachments)
    monkeypatch.setattr("ingest.message.parse_fast", lambda _raw, _spans=None: None)  # the feed parser only
    assert fast == [read_message(raw) for raw in raws]


@pytest.mark.parametrize("case", H.CASES, ids=[c.id for c in H.CASES])
def test_hostile_mail_gives_the_same_tree_or_goes_to_the_feed_parser(case: H.Case,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    raw = case.build(H.BuildContext())
    if assert_same_or_declined(raw):  # and what the worker reads of it is the same, problems included
        fast = read_message(raw)
        monkeypatch.setattr("ingest.message.parse_fast", lambda _raw, _spans=None: None)  # the feed parser only
        assert fast == read_message(raw)


BASE = (b"From: a@ludvika.se\r\nTo: b@lst.se\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n')


@pytest.mark.parametrize(("body", "fast"), [
    (b"--XX\r\nContent-Type: text/plain\r\n\r\nhej\r\n--XX--\r\n", True),
    (b"preamble\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhej\r\n\r\n--XX--\r\nepilogue\r\n\r\n", True),
    (b"--XX  \t\r\nContent-Type: text/plain\r\n\r\nhej\r\n--XX-- \r\n", True),  # blanks after boundaries
    (b"--XX\r\nContent-Type: text/plain\r\n\r\nhej\r\n--XX--", True),  # closing boundary at the very end
    (b"--XX\r\nContent-Type: text/plain\r\n\r\n\r\n--XX--\r\n", True),  # an empty body
    (b"--XX\r\nContent-Type: multipart/alternative; boundary=YY\r\n\r\n--YY\r\nContent-Type: text/plain\r\n\r\n"
     b"a\r\n--YY\r\nContent-Type: text/html\r\n\r\n<p>a</p>\r\n--YY--\r\n\r\n--XX\r\nContent-Type: text/plain"
     b"\r\n\r\nb\r\n--XX--\r\n", True),
    (b"--XX\r\nContent-Type: text/plain\r\n\r\nhej\r\n--XXY\r\nstill hej\r\n--XX--\r\n", True),  # not a boundary
    (b"--XX\r\nContent-Type: text/plain\r\n\r\nhej\r\n", False),  # never closed
    (b"no boundary at all\r\n", False),
    (b"--XX\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhej\r\n--XX--\r\n", False),  # two in a row
    (b"--XX\r\nContent-Type: text/plain\r\nhej utan tom rad\r\n--XX--\r\n", False),  # no blank line
    (b"--XX\r\nContent-Type: text/plain\r\n\r\nhej\rhopp\r\n--XX--\r\n", False),  # a bare CR
    (b"--XX\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nhej\r\n--XX--\r\n", False),
    (b"--XX\r\nContent-Type: multipart/alternative; boundary=YY\r\n\r\n--YY\r\nContent-Type: text/plain\r\n\r\n"
     b"a\r\n--XX--\r\n", False),  # the outer multipart closes inside the inner one
])
def test_hand_made_structures(body: bytes, fast: bool) -> None:
    assert assert_same_or_declined(BASE + body) is fast
    assert assert_same_or_declined((BASE + body).replace(b"\r\n", b"\n")) is (fast and b"\rhopp" not in body)


_LINE = st.text(alphabet="abcXY -=:\t", max_size=12).filter(lambda line: not line.startswith("-"))
_EOL = st.sampled_from(["\r\n", "\n"])


@st.composite
def mime_text(draw: st.DrawFn, depth: int = 0) -> str:
    """A random multipart (mostly well formed, sometimes not) with random line ends and extra lines."""
    eol = draw(_EOL)
    boundary = draw(st.sampled_from(["XX", "b1", "=_Part_0", "YY"]))
    lines = [f'Content-Type: multipart/mixed; boundary="{boundary}"', ""]
    lines += draw(st.lists(_LINE, max_size=2))  # preamble
    for _ in range(draw(st.integers(1, 3))):
        lines.append(f"--{boundary}" + draw(st.sampled_from(["", "", "", "", " ", "\t", "--", "x"])))
        if depth < 2 and draw(st.booleans()):
            lines += draw(mime_text(depth + 1)).split(eol)
        else:
            lines += [draw(st.sampled_from(["Content-Type: text/plain"] * 4 + ["X-A: b", "", "bad line"])), ""]
            lines += draw(st.lists(_LINE, max_size=3))
    if draw(st.integers(0, 4)) < 4:  # mostly closed
        lines.append(f"--{boundary}--" + draw(st.sampled_from(["", "", " ", "x"])))
    lines += draw(st.lists(_LINE, max_size=2))  # epilogue
    return eol.join(lines) + draw(st.sampled_from(["", eol]))


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mime_text())
def test_random_structures_give_the_same_tree_or_go_to_the_feed_parser(text: str) -> None:
    raw = ("From: a@b.se\r\nSubject: x\r\n" + text).encode("utf-8")
    assert_same_or_declined(raw)
