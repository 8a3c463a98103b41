"""One handled message as the operator's log shows it: its id, municipality, outcome and time taken.

The worker writes one line per message, `key=value` so it can be grepped
and read (and, under systemd, filtered with `journalctl -u lagesbild -g`):

    message id=42 uid=17 municipality=Mora outcome=stored seconds=0.84
"""

from __future__ import annotations

from dataclasses import dataclass

from flow.filing import Decided


@dataclass(frozen=True, slots=True)
class Handled:
    """What became of one message in a cycle."""

    uid: str  # where it sat in the mailbox
    raw_id: int | None  # its row in the store (None: it could not be recorded)
    municipality: str | None  # whose report(s) it held, else the sender's municipality
    outcome: str  # an Outcome's value, or "parked"
    seconds: float  # from reading it to its outcome being recorded
    parse_seconds: float | None  # of which: until its forms were read (None: none were read)

    def log_line(self) -> str:
        """The operator's line for this message."""
        fields = {"id": self.raw_id if self.raw_id is not None else "-", "uid": self.uid,
                  "municipality": self.municipality or "-", "outcome": self.outcome,
                  "seconds": f"{self.seconds:.2f}"}
        return "message " + " ".join(f"{k}={_value(v)}" for k, v in fields.items())


def _value(value: object) -> str:
    text = str(value)
    # Quoted when it holds a space ("Upplands Väsby") or a comma (a joint report), so the line still splits.
    return f'"{text}"' if any(c in text for c in ' ,"=') else text


def municipality_of(item: Decided | None) -> str | None:
    """The municipalities a decided message's forms are for (a joint report names them all), else its
    sender's municipality; None when nothing is known (an unreadable message, an unknown sender)."""
    if item is None:
        return None
    if item.decision is None:
        return item.earlier.municipality if item.earlier is not None else None
    names = sorted({p.municipality for p in item.decision.submissions} | {h.municipality for h in item.decision.held})
    return ", ".join(names) if names else item.decision.sender.municipality
