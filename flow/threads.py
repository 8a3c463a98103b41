"""Replies in words: a coordinator answering our mail in plain text (issue 14, item 2). Pure.

"fråga 4 borde vara 3", "vi skickar på måndag": a person answering a receipt,
a reminder or an error reply, with no form attached. Telling them the
message "could not be read … the report is not registered" is false; the
worker forwards it to staff as a question or correction request (with the
report it refers to) and answers the sender briefly and truthfully.

A message is such a reply when it answers one of ours: one of our
Message-IDs (every id we make is on the county mailbox's domain) stands in
In-Reply-To or References, or the subject is one of ours behind a reply or
forward prefix (SV:, RE:, VB:, FW:, Fwd:, AW:, VS:).
"""

from __future__ import annotations

import re

from flow.settings import Config
from ingest.message import MailMessage

# Reply and forward prefixes in the languages our coordinators' mail programs speak ("SV:", "Svar:", "Re[2]:",
# "VB:", "AW:", "Antw:", "VS:", "Fwd:"), and the tags a receiving gateway puts in front of mail from outside
# ("[EXTERN]", "[Extern avsändare]", "EXTERNAL:", "*EXTERN*"), in any order and number.
_PREFIX_RE = re.compile(
    r"^\s*(?:(?:(?:sv|svar|re|ref|vb|fw|fwd|aw|vs|antw|wg|tr|fs)\s*(?:\[\d+\])?\s*[:：]"
    r"|\[[^\]\n]{1,40}\]|\*{1,3}\s*extern\w*\s*\*{1,3}|extern(?:al)?\s*:)\s*)+", re.IGNORECASE)
_REPLY_WORD_RE = re.compile(r"(?:^|[\s\]*:：])(?:sv|svar|re|ref|vb|fw|fwd|aw|vs|antw|wg|tr|fs)\s*(?:\[\d+\])?\s*[:：]",
                            re.IGNORECASE)
# The subjects the worker writes (outputs/replies.py, outputs/notices.py, outputs/part_receipts.py).
_OUR_SUBJECT_RE = re.compile(
    r"^(?:kvittens:|påminnelse:|sista dagen idag:|vi saknar lägesbilden|lägesbilden kunde inte läsas|"
    r"redan mottagen:|mottaget:|sammanställning:|signal från lägesbilden|lägesbild:|karantän:)",
    re.IGNORECASE)


def answers_us(message: MailMessage, config: Config) -> str | None:
    """How `message` shows it answers one of our mails (Swedish, for the audit trail), or None."""
    domain = config.county.mailbox_address.rpartition("@")[2].lower()
    ours = [mid for mid in (message.in_reply_to, *message.replied_to, *message.references)
            if mid and mid.lower().rstrip(">").endswith("@" + domain)]
    if ours:
        return f"svar på vårt meddelande {ours[0]}"
    prefix = _PREFIX_RE.match(message.subject)
    ours_subject = message.subject[prefix.end():].strip() if prefix else ""
    if prefix and _REPLY_WORD_RE.search(prefix.group()) and _OUR_SUBJECT_RE.match(ours_subject):
        return f"svar på vårt meddelande \"{ours_subject[:80]}\""
    return None


def is_staff(message: MailMessage, config: Config) -> bool:
    """Whether the sender is one of the county's staff (`[county] staff`)."""
    return bool(message.sender) and message.sender.lower() in {a.lower() for a in config.county.staff}


def new_text(body: str, limit: int = 4000) -> str:
    """What the sender wrote above the quoted mail ("> …", "Från: …", "-----Original Message-----")."""
    lines: list[str] = []
    for line in body.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith(">") or re.match(
                r"^(?:-{2,}\s*(?:original message|ursprungligt meddelande|vidarebefordrat meddelande)"
                r"|från:|from:|den .* skrev|on .* wrote)", stripped, re.IGNORECASE):
            break
        lines.append(line)
    text = "\n".join(lines).strip()
    return text if len(text) <= limit else text[:limit].rstrip() + " …"
