"""Who may file a report: the receiving server's Authentication-Results, and lookalike domains.

Every message goes through a real Maildir and `poll_once` with the production
parser. A message that is not vouched for (when `[security]
require_authentication` is on) or that comes from a domain imitating a
municipality's is quarantined: nothing is filed, staff are told, and the
sender gets no answer (a spoofer learns nothing).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from flow.reports import export_period
from flow.settings import Config
from lagesbild.config import config_from_dict, load_config
from tests.builders import mail as mails
from tests.hostile.box import OCT, HostileBox, at

SERVER = "mx1.lansstyrelsen-dalarna.example"
FULL_PASS = (f"{SERVER}; dmarc=pass (p=reject dis=none) header.from=ludvika.se; "
             "dkim=pass (2048-bit key) header.d=ludvika.se header.s=sel1; "
             "spf=pass (sender IP is 192.0.2.10) smtp.mailfrom=samordnare@ludvika.se")


def config(require_authentication: bool, trusted: tuple[str, ...] = (SERVER,), trust: str = "auto") -> Config:
    base = config_from_dict({"security": {"require_authentication": require_authentication,
                                          "trusted_authserv_ids": list(trusted), "trust": trust}}, Path.cwd())
    return replace(base, signals=())


def form_mail(sender: str = "samordnare@ludvika.se", municipality: str = "Ludvika",
              auth: tuple[str, ...] = (), **kw: object) -> bytes:
    """A form mail as the county's server stored it: its Authentication-Results on top, newest first."""
    eml = mails.build_mail(sender, "Lägesbild oktober", "Hej!",
                           [(f"{municipality}.docx", mails.form_docx(municipality), mails.DOCX_TYPE)],
                           **kw)  # type: ignore[arg-type]
    return mails.add_headers(eml, [("Authentication-Results", a) for a in auth])


def handle(tmp_path: Path, raw: bytes, cfg: Config) -> tuple[str, str, list[str], list[str]]:
    """(outcome, reason, kinds of mail queued, municipalities filed) for one message."""
    box = HostileBox(tmp_path, cfg)
    uid = box.deliver(raw, at("2026-10-29T10:00"))
    report = box.poll(at("2026-10-29T11:00"))
    assert report.failures == []
    outcome, reason, stored = box.messages()[uid]
    assert stored == raw
    filed = [str(e["municipality"]) for e in export_period(box.engine, box.config, OCT)]
    return outcome, reason, [kind for kind, _, _, _ in box.mail()], filed


# --------------------------------------------------------------------------
# require_authentication = true
# --------------------------------------------------------------------------


@pytest.mark.parametrize("results", [
    pytest.param((FULL_PASS,), id="dmarc-dkim-spf-pass"),
    pytest.param((f"{SERVER}; dmarc=pass header.from=ludvika.se",), id="dmarc-pass"),
    pytest.param((f"{SERVER}; dkim=pass header.d=ludvika.se; spf=fail smtp.mailfrom=ludvika.se",),
                 id="aligned-dkim-pass"),
    pytest.param((f"{SERVER}; spf=pass smtp.mailfrom=bounce@utskick.ludvika.se",), id="aligned-spf-pass-subdomain"),
])
def test_a_vouched_for_sender_is_stored(tmp_path: Path, results: tuple[str, ...]) -> None:
    outcome, _, kinds, filed = handle(tmp_path, form_mail(auth=results), config(True))
    assert (outcome, kinds, filed) == ("stored", ["receipt"], ["Ludvika"])


EXO_PASS = ("spf=pass (sender IP is 192.0.2.10) smtp.mailfrom=ludvika.se; dkim=pass (signature was verified) "
            "header.d=ludvika.se;dmarc=pass action=none header.from=ludvika.se;compauth=pass reason=100")
EXO_FAIL = ("spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=ludvika.se; dkim=none (message not signed) "
            "header.d=none;dmarc=fail action=oreject header.from=ludvika.se;compauth=fail reason=000")


def exchange_mail(results: str, *, auth_as: str | None = "Anonymous", forged: str | None = None) -> bytes:
    """A form mail as Exchange Online stores it: its stamp on top, its organisation headers inside,
    and below them whatever the sender wrote."""
    eml = form_mail(auth=(forged,) if forged else ())
    headers = [("Authentication-Results", results)]
    if auth_as:
        headers += [("X-MS-Exchange-Organization-AuthAs", auth_as),
                    ("X-MS-Exchange-Organization-AuthSource", "AM0PR10MB1234.EURPRD10.PROD.OUTLOOK.COM")]
    return mails.add_headers(eml, headers)


def test_exchange_onlines_pass_is_believed_when_trust_is_exchange(tmp_path: Path) -> None:
    outcome, _, kinds, filed = handle(tmp_path, exchange_mail(EXO_PASS), config(True, (), "exchange"))
    assert (outcome, kinds, filed) == ("stored", ["receipt"], ["Ludvika"])


def test_exchange_onlines_fail_is_quarantined_by_default(tmp_path: Path) -> None:
    """Issue 14, item 3: a mail that failed DMARC is no longer accepted by default."""
    outcome, reason, kinds, filed = handle(tmp_path, exchange_mail(EXO_FAIL), config(False, (), "exchange"))
    assert (outcome, kinds, filed) == ("quarantined", ["quarantine_notice"], [])
    assert "dmarc=fail" in reason and "compauth=fail" in reason


def test_a_forged_pass_below_exchanges_fail_is_not_believed(tmp_path: Path) -> None:
    forged = "spf=pass smtp.mailfrom=ludvika.se; dmarc=pass action=none header.from=ludvika.se;compauth=pass reason=100"
    outcome, _, _, filed = handle(tmp_path, exchange_mail(EXO_FAIL, forged=forged), config(True, (), "exchange"))
    assert (outcome, filed) == ("quarantined", [])


def test_an_exchange_stamp_without_exchanges_own_headers_is_not_believed(tmp_path: Path) -> None:
    """Without X-MS-Exchange-Organization-AuthAs (stripped by Exchange from mail it did not take) the
    stamp may be the sender's own."""
    outcome, _, _, filed = handle(tmp_path, exchange_mail(EXO_PASS, auth_as=None), config(True, (), "exchange"))
    assert (outcome, filed) == ("quarantined", [])


def test_a_believed_dmarc_fail_is_quarantined_even_without_require_authentication(tmp_path: Path) -> None:
    results = (f"{SERVER}; dmarc=fail (p=reject) header.from=ludvika.se; spf=fail smtp.mailfrom=ludvika.se",)
    outcome, reason, kinds, filed = handle(tmp_path, form_mail(auth=results), config(False))
    assert (outcome, kinds, filed) == ("quarantined", ["quarantine_notice"], [])
    assert "kunde inte verifieras" in reason


@pytest.mark.parametrize("results", [
    pytest.param((), id="no-authentication-results"),
    pytest.param((f"{SERVER}; none",), id="none"),
    pytest.param((f"{SERVER}; dmarc=fail (p=none) header.from=ludvika.se; dkim=fail header.d=ludvika.se; "
                  "spf=softfail smtp.mailfrom=ludvika.se",), id="all-fail"),
    pytest.param((f"{SERVER}; dkim=pass header.d=mailer.example.net; spf=pass smtp.mailfrom=x@mailer.example.net",),
                 id="pass-for-another-domain"),
    pytest.param((f"{SERVER}; dmarc=pass header.from=ludvika.se.example.net",), id="dmarc-pass-lookalike-from"),
    pytest.param((f"{SERVER}; dkim=pass header.d=se",), id="dkim-pass-for-a-public-suffix"),
    pytest.param((f"{SERVER}; dmarc=fail header.from=ludvika.se",
                  f"{SERVER}; dmarc=pass header.from=ludvika.se"), id="forged-pass-below-the-servers-fail"),
    pytest.param((f"{SERVER}; dmarc=temperror header.from=ludvika.se; spf=temperror",), id="temperror"),
])
def test_a_sender_not_vouched_for_is_quarantined(tmp_path: Path, results: tuple[str, ...]) -> None:
    outcome, reason, kinds, filed = handle(tmp_path, form_mail(auth=results), config(True))
    assert outcome == "quarantined"
    assert "kunde inte verifieras (DMARC/DKIM/SPF)" in reason
    assert (kinds, filed) == (["quarantine_notice"], [])  # staff told; the sender learns nothing


def test_the_default_does_not_require_authentication(tmp_path: Path) -> None:
    """Documented in SECURITY.md: off by default, because not every county's server adds the header."""
    assert load_config(None).security.require_authentication is False
    outcome, _, kinds, filed = handle(tmp_path, form_mail(), config(False))
    assert (outcome, kinds, filed) == ("stored", ["receipt"], ["Ludvika"])


def test_a_message_claiming_to_be_authenticated_in_its_own_body_gets_nowhere(tmp_path: Path) -> None:
    """Only headers count, and only the topmost (the county's server's); a forwarded message's do not."""
    inner = form_mail(auth=(FULL_PASS,))
    forwarded = mails.forward(inner, "samordnare@ludvika.se")
    outcome, _, kinds, _ = handle(tmp_path, forwarded, config(True))
    assert (outcome, kinds) == ("quarantined", ["quarantine_notice"])


# --------------------------------------------------------------------------
# Lookalike and unknown senders (whatever require_authentication says)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("sender", "municipality"), [
    ("samordnare@ludvlka.se", "Ludvika"),          # l for i
    ("samordnare@ludvika.com", "Ludvika"),         # other top-level domain
    ("samordnare@ludvika-kommun.se", "Ludvika"),   # added word
    ("samordnare@ludvikakommun.se", "Ludvika"),
    ("samordnare@ludvika.se.example.net", "Ludvika"),  # the real name as a subdomain of another
    ("samordnare@xn--ldvika-2ya.se", "Ludvika"),   # lüdvika.se, internationalised
    ("samordnare@rnora.se", "Mora"),               # rn for m
    ("samordnare@m0ra.se", "Mora"),                # zero for o
    ("samordnare@falu-n.se", "Falun"),
])
def test_a_lookalike_domain_is_quarantined(tmp_path: Path, sender: str, municipality: str) -> None:
    outcome, reason, kinds, filed = handle(tmp_path, form_mail(sender, municipality), config(False))
    assert outcome == "quarantined"
    assert "liknar" in reason and sender.split("@")[1] in reason
    assert (kinds, filed) == (["quarantine_notice"], [])


def test_a_lookalike_domain_that_passes_dmarc_for_itself_is_still_quarantined(tmp_path: Path) -> None:
    """Authentication proves who sent it, not that it is the municipality: ludvlka.se is not ludvika.se."""
    results = (f"{SERVER}; dmarc=pass header.from=ludvlka.se; dkim=pass header.d=ludvlka.se",)
    outcome, reason, kinds, _ = handle(tmp_path, form_mail("samordnare@ludvlka.se", auth=results), config(True))
    assert (outcome, kinds) == ("quarantined", ["quarantine_notice"])
    assert "liknar" in reason


@pytest.mark.parametrize("sender", ["Samordnare@LUDVIKA.SE", "samordnare@socialtjanst.ludvika.se"])
def test_the_real_domain_in_any_case_and_its_subdomains_are_trusted(tmp_path: Path, sender: str) -> None:
    outcome, _, _, filed = handle(tmp_path, form_mail(sender), config(False))
    assert (outcome, filed) == ("stored", ["Ludvika"])


def test_a_display_name_pretending_to_be_the_municipality_is_not_the_sender(tmp_path: Path) -> None:
    raw = form_mail("angripare@example.org", sender_name="samordnare@ludvika.se")
    outcome, reason, kinds, filed = handle(tmp_path, raw, config(False))
    assert (outcome, kinds, filed) == ("quarantined", ["quarantine_notice"], [])
    assert "angripare@example.org" in reason


def test_a_trusted_sender_cannot_file_for_another_municipality(tmp_path: Path) -> None:
    outcome, reason, _, filed = handle(tmp_path, form_mail("samordnare@ludvika.se", "Falun"), config(False))
    assert (outcome, filed) == ("quarantined", [])
    assert "hör till Ludvika men formuläret gäller Falun" in reason


def test_a_header_the_sender_wrote_is_not_believed_when_no_server_is_trusted(tmp_path: Path) -> None:
    """Nothing configured, not Exchange: a forged "dmarc=pass" vouches for nobody (doctor warns)."""
    forged = form_mail(auth=("mx.forged.example; dmarc=pass header.from=ludvika.se",))
    outcome, _, _, filed = handle(tmp_path, forged, config(True, ()))
    assert (outcome, filed) == ("quarantined", [])
    outcome, _, _, filed = handle(tmp_path / "b", forged, config(False, ()))
    assert (outcome, filed) == ("stored", ["Ludvika"])  # judged by its address alone, as the contract says
