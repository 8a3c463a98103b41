"""The mailbox group: a Maildir's folder, or an IMAP login read-only, and the folders handled mail goes to."""

from __future__ import annotations

import imaplib
import os
from collections.abc import Mapping
from pathlib import Path

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from flow.settings import Config
from ground.errors import ConfigError, MailboxUnavailable
from ingest.imap import ImapSource
from ingest.imap_connection import parse_imap_url
from ingest.maildir import folder_dirname
from lagesbild.doctor.checks import (
    Check,
    Probe,
    Problem,
    cause_chain,
    joined,
    may_create,
    network_problem,
    not_tried,
    who,
)


def mailbox_checks(config: Config, names: Mapping[str, str], unset: set[str], probe: Probe) -> list[Check]:
    """The mailbox, and whether the folders handled mail is moved to exist."""
    if config.mailbox.source.startswith("maildir:"):
        return _maildir_checks(config)
    mine = sorted(k for k in unset if k.startswith("mailbox."))
    if mine:
        return [not_tried("mailbox", mine, names)]
    return _imap_checks(config, names, probe)


def _folder_names(config: Config) -> list[str]:
    m = config.mailbox
    return [m.processed_folder, m.quarantine_folder, m.error_folder, m.ignored_folder]


def _folders_check(missing: list[str], all_names: list[str]) -> Check:
    if not missing:
        return Check("folders", True, f"{', '.join(all_names)} exist")
    verb = "does" if len(missing) == 1 else "do"
    return Check("folders", True, f"{joined(missing)} {verb} not exist yet; created when first needed")


def _maildir_checks(config: Config) -> list[Check]:
    root = Path(config.mailbox.source[len("maildir:"):]).expanduser()
    if not root.exists():
        creatable, parent = may_create(root)
        if not creatable:
            return [Check("mailbox", False, f"Maildir {root} does not exist, and {parent} is not writable for "
                          f"{who()}", f"create {root} for the user the service runs as, or change "
                          "[mailbox] source")]
        return [Check("mailbox", True, f"Maildir {root} does not exist yet; created on first run")]
    if not root.is_dir():
        return [Check("mailbox", False, f"{root} is not a folder", "point [mailbox] source at a Maildir folder")]
    if not os.access(root, os.R_OK | os.W_OK | os.X_OK):
        return [Check("mailbox", False, f"Maildir {root} is not readable and writable for {who()}",
                      f"give {root} to the user the service runs as (chown -R)")]
    waiting = 0
    for sub in ("new", "cur"):
        folder = root / sub
        if folder.is_dir():
            waiting += sum(1 for e in os.scandir(folder) if e.is_file() and not e.name.startswith("."))
    names = _folder_names(config)
    missing = [n for n in names if not (root / folder_dirname(n)).is_dir()]
    return [Check("mailbox", True, f"Maildir {root}: {waiting} message{'s' if waiting != 1 else ''} waiting"),
            _folders_check(missing, names)]


def _imap_checks(config: Config, names: Mapping[str, str], probe: Probe) -> list[Check]:
    url = parse_imap_url(config.mailbox.source)
    where = f"{url.user}@{url.host}:{url.port}"
    try:
        source = ImapSource(config.mailbox, connect_timeout=probe.timeout, read_timeout=probe.timeout,
                            ssl_context=probe.ssl_context, backoff_base=0.0, sleep=lambda _s: None)
    except ConfigError as exc:
        return [Check("mailbox", False, str(exc), "set the key it names in [mailbox]")]
    try:
        refs = source.list_refs()  # connect, TLS, login, EXAMINE the inbox folder, UID SEARCH
        missing = _missing_imap_folders(source, _folder_names(config))
    except MailboxUnavailable as exc:
        problem = imap_problem(exc, config, names, probe.timeout)
        return [Check("mailbox", False, problem.message, problem.fix)]
    except ConfigError as exc:  # from the token command
        return [Check("mailbox", False, str(exc), "correct the key it names in [mailbox]")]
    finally:
        source.close()
    n = len(refs)
    return [Check("mailbox", True, f"logged in as {where}, folder {url.folder} opened read-only: "
                  f"{n} message{'s' if n != 1 else ''} waiting"),
            _folders_check(missing, _folder_names(config))]


def _missing_imap_folders(source: ImapSource, folders: list[str]) -> list[str]:
    """The configured folders that do not exist on the server (LIST), without creating any.

    ImapSource creates folders only when it moves a message there; it has no
    public way to ask, so this uses its connection and its name mapping.
    """
    def op(c: IMAPClient) -> list[str]:
        return [name for name in folders
                if not c.folder_exists(source._server_name(c, name, prefix=True))]  # noqa: SLF001

    return source._run("LIST", op)  # noqa: SLF001


def imap_problem(exc: MailboxUnavailable, config: Config, names: Mapping[str, str], timeout: float) -> Problem:
    """What an IMAP failure means, and what the county's IT department should do about it."""
    url = parse_imap_url(config.mailbox.source)
    text = str(exc)
    if "does not offer STARTTLS" in text:
        return Problem(f"{url.host}:{url.port} does not offer STARTTLS, so Lägesbild will not log in",
                       "use imaps:// (port 993) or enable TLS on the server; for a server on this machine only, "
                       "set [mailbox] allow_plaintext_loopback = true")
    causes = cause_chain(exc)
    if any(isinstance(c, LoginError) for c in causes):
        if config.mailbox.auth == "xoauth2":
            return Problem(f"XOAUTH2 login refused for {url.user}@{url.host}",
                           "check that the app registration has IMAP.AccessAsApp and that its service principal "
                           f"has FullAccess to {url.user} (see README, Microsoft 365)")
        var = names["mailbox.password_env"]
        return Problem(f"login refused for {url.user}@{url.host}",
                       f"check the user in [mailbox] source and the password in ${var}")
    network = network_problem(exc, url.host, url.port, "[mailbox] source", timeout)
    if network is not None:
        return network
    server = next((c for c in causes if isinstance(c, imaplib.IMAP4.error)), None)
    if server is not None and "LIST" not in text:
        return Problem(f"cannot open the folder '{url.folder}' as {url.user}: {server}",
                       "check the folder at the end of [mailbox] source (e.g. imap://user@host/INBOX)")
    return Problem(text, "check [mailbox] source and the IMAP server's log")
