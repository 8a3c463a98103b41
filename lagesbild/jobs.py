"""The county's outputs as jobs: the leadership digest, the staff compilation, reminders, signals.

Every job queues its mail in the outbox under a dedupe key (the county, the
period, the stage or the submission), so running a job twice, or again after
a crash, queues nothing twice; `lagesbild.sending` sends what is queued.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine

from lagesbild.config import Config
from lagesbild.notify import queue_mail_once
from lagesbild.picture import build_picture
from outputs.digest import Digest, build_digest, digest_message
from parsers.result import Period
from store.db import transaction


def make_digest(engine: Engine, config: Config, period: Period, now: datetime) -> Digest:
    """The leadership digest for `period` as the database stands at `now`."""
    picture = build_picture(engine, config, period.year, now)
    previous = build_picture(engine, config, period.year - 1, now) if period.month < 12 else None
    return build_digest(picture, period, previous=previous)


def queue_digest(engine: Engine, config: Config, period: Period, now: datetime) -> bool:
    """Queue the digest for leadership once per county and period; True when queued now."""
    digest = make_digest(engine, config, period, now)
    msg = digest_message(digest, sender_name=config.county.sender_name,
                         mailbox_address=config.county.mailbox_address, to=list(config.county.leadership), now=now)
    with transaction(engine) as s:
        return queue_mail_once(s, "digest", f"digest:{config.county.code}:{period}", msg, now)
