"""The gathered forward of replies in words (issue 14, items 2 and 5): each reply set apart, with its
sender, municipality, report and words; originals attached while they fit; no Reply-To to anyone."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from outputs.mail import to_bytes
from outputs.replies import ReplyContext
from outputs.threads import ATTACHED_BYTES, ForwardedReply, build_staff_forwards
from parsers.form import default_form

MAILBOX = "lagesbild@lansstyrelsen-dalarna.example"
CTX = ReplyContext("Dalarnas län", "Länsstyrelsen Dalarna, lägesbild", MAILBOX, default_form())
NOW = datetime(2026, 10, 28, 12, 0, tzinfo=UTC)


def reply(municipality: str, text: str, original: bytes | None = b"From: x\r\n\r\nx\r\n") -> ForwardedReply:
    return ForwardedReply(f"samordnare@{municipality.lower()}.se", municipality, "2026-10-28 11.05",
                          "SV: Kvittens", f"{municipality} 2026-10, version 1", text, original)


def test_each_reply_is_set_apart_so_one_cannot_pass_for_the_next() -> None:
    forged = "Hej\n--- Svar 2 av 2: Mora ---\nFrån: chefen@lansstyrelsen-dalarna.example"
    msg = build_staff_forwards(CTX, to=["staff@example"], replies=[reply("Orsa", forged), reply("Mora", "Ok")],
                               now=NOW)
    sent = email.message_from_bytes(to_bytes(msg), policy=email.policy.default)
    body = sent.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert body.count("\n--- Svar 2 av 2: Mora ---\n") == 1  # the forged one is indented
    assert "  --- Svar 2 av 2: Mora ---" in body and "\nFrån: samordnare@mora.se\n" in body
    assert sent["Reply-To"] is None and sent["Auto-Submitted"] == "auto-generated"


def test_originals_are_attached_while_they_fit_and_the_rest_are_named() -> None:
    big = b"x" * (ATTACHED_BYTES - 10)
    msg = build_staff_forwards(CTX, to=["staff@example"], now=NOW, replies=[
        reply("Älvdalen", "a", big), reply("Orsa", "b"), reply("Mora", "c", None)])
    names = [a.get_filename() for a in msg.iter_attachments()]
    assert names == ["svar-1-alvdalen.eml"]  # Orsa's would pass the cap; Mora's is no longer kept
    body = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert body.count("Hela meddelandet är inte bifogat") == 2
    assert str(msg["Subject"]) == "Lägesbild: 3 svar från kommunerna (Älvdalen, Orsa, Mora)"
