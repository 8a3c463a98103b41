"""The store's verbs. Callers never write queries; they call these inside one transaction:

    with transaction(engine) as s:
        row = repo.insert_raw(s, ref, ...)      # AlreadyClaimed: another worker has it
        repo.record_submission(s, ...)
        repo.queue_mail(s, ...)
        repo.set_outcome(s, row.id, Outcome.STORED, "...")

The verbs live in small modules by subject (messages, audit_trail, submissions,
outbox, locks); this module is the one place callers import them from. No verb
commits; `store.db.transaction` does. Every verb returns plain values from
store.views. `now` is always passed in (the clock is the caller's, so
`--now` replays work); only created_at/updated_at bookkeeping reads the wall clock.

Concurrency. Claiming a message relies on the unique key (mailbox,
uidvalidity, uid): a concurrent insert blocks on the key and then fails, so
exactly one worker wins. Versioning a submission takes a per-(county,
municipality, period) advisory lock on PostgreSQL (BEGIN IMMEDIATE already
serialises writers on SQLite), so two corrections never get the same number.
"""

from __future__ import annotations

from store.accounts import add_account, find_account, list_accounts, set_password_hash
from store.audit_trail import audit, audit_events_after, audit_trail
from store.glance import year_levels
from store.heartbeat import CycleView, count_parked, last_cycle, outbox_backlog, prune_cycles, record_cycle
from store.history import (
    audit_actors,
    audit_lines,
    get_submission,
    latest_is_correction,
    lock_report,
    mail_about,
    message_sources,
    report_versions,
    report_years,
)
from store.locks import release_lock, try_lock
from store.messages import (
    backoff,
    count_quarantined,
    find_copies,
    find_same_content,
    get_message,
    insert_raw,
    known_refs,
    mark_moved,
    mark_moved_many,
    quarantined,
    record_failure,
    set_outcome,
)
from store.outbox import (
    due_mail,
    get_mail,
    latest_queued_at,
    mark_send_failed,
    mark_sent,
    note_send_attempt,
    queue_mail,
    queued_keys,
    replies_for_sender_since,
    sent_count_since,
)
from store.raw_bodies import get_raw, kept_messages, purge_raw_before, raw_bytes, raw_messages
from store.submissions import (
    answers_hash,
    count_held,
    first_arrivals,
    held_submissions,
    last_senders,
    latest_area,
    latest_arrival,
    latest_arrivals,
    latest_submissions,
    record_submission,
    release_withheld,
    submissions_for_year,
    version_answers,
    versions_since,
)
from store.views import (
    AccountView,
    AuditView,
    FailureRecord,
    KnownRef,
    MailKind,
    MailStatus,
    MessageSource,
    OutboxView,
    RawMessageView,
    ReportLevel,
    SubmissionKind,
    SubmissionResult,
    SubmissionStatus,
    SubmissionView,
)

__all__ = [
    "audit_actors", "audit_lines", "get_submission", "latest_is_correction", "lock_report", "mail_about",
    "message_sources",
    "MessageSource", "report_versions", "report_years",
    "CycleView", "count_parked", "last_cycle", "outbox_backlog", "prune_cycles", "record_cycle",
    "AccountView", "add_account", "find_account", "list_accounts", "set_password_hash",
    "AuditView", "FailureRecord", "KnownRef", "MailKind", "MailStatus", "OutboxView", "RawMessageView",
    "SubmissionKind", "SubmissionResult", "SubmissionStatus", "SubmissionView",
    "answers_hash", "count_held", "audit", "audit_trail", "backoff", "count_quarantined", "due_mail", "find_copies",
    "find_same_content",
    "get_mail", "get_message", "get_raw", "held_submissions", "insert_raw", "kept_messages", "known_refs",
    "latest_arrival", "latest_area", "latest_arrivals", "latest_submissions", "raw_bytes",
    "mark_moved", "mark_moved_many", "release_withheld", "first_arrivals", "last_senders", "queued_keys",
    "latest_queued_at",
    "versions_since", "purge_raw_before",
    "mark_send_failed", "mark_sent", "note_send_attempt", "queue_mail", "quarantined", "raw_messages", "record_failure",
    "replies_for_sender_since", "version_answers", "audit_events_after",
    "ReportLevel", "year_levels",
    "record_submission", "release_lock", "sent_count_since", "set_outcome", "submissions_for_year", "try_lock",
]
