"""A real Dovecot IMAP server for tests, started from a throw-away configuration.

`running_dovecot(tls=...)` writes a dovecot.conf that reads nothing from
/etc: its own base_dir, state_dir and log file, a passwd-file with two users,
Maildirs in a temporary directory, and listeners on free loopback ports. With
`tls=True` it also makes a small CA and a server certificate for
localhost/127.0.0.1, offers STARTTLS on the plain port and implicit TLS on a
second port; `ssl_context()` trusts that CA.

Dovecot will not run a mail process as uid 0, so when the tests run as root
the mail belongs to "nobody" (the Debian package's `dovecot` and `dovenull`
users run the internal and login processes, as in a normal install). As
another user, everything runs as that user.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import grp
import ipaddress
import os
import pwd
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from imapclient import IMAPClient

from tests.support.clock import skip_if_clock_ahead

DOVECOT = "/usr/sbin/dovecot"
USER = "lagesbild"
OAUTH_USER = "m365"  # logs in with XOAUTH2; its "password" is the bearer token Dovecot expects


def available() -> bool:
    """True when the Dovecot binary is installed."""
    return os.access(DOVECOT, os.X_OK) or shutil.which("dovecot") is not None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class DovecotServer:
    """One Dovecot instance: its directory, ports, users and process."""

    root: Path
    tls: bool
    port: int
    imaps_port: int | None
    password: str = field(default_factory=lambda: "pw-" + secrets.token_hex(8))
    oauth_token: str = field(default_factory=lambda: "tok-" + secrets.token_urlsafe(24))
    process: subprocess.Popen[bytes] | None = None

    @property
    def conf(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def log(self) -> Path:
        return self.root / "dovecot.log"

    @property
    def ca_cert(self) -> Path:
        return self.root / "ca.pem"

    def url(self, folder: str = "INBOX", *, user: str = USER, scheme: str = "imap") -> str:
        """The `[mailbox] source` URL for `folder` on this server."""
        port = self.imaps_port if scheme == "imaps" else self.port
        return f"{scheme}://{user}@127.0.0.1:{port}/{folder}"

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's test CA (and nothing else)."""
        if not self.tls:
            raise RuntimeError("this Dovecot runs without TLS")
        return ssl.create_default_context(cafile=str(self.ca_cert))

    def client(self, user: str = USER) -> IMAPClient:
        """A logged-in IMAPClient for delivering and inspecting mail in tests."""
        c = IMAPClient("127.0.0.1", self.port, ssl=False, timeout=10)
        if self.tls:
            c.starttls(self.ssl_context())
        c.login(user, self.oauth_token if user == OAUTH_USER else self.password)
        return c

    def log_text(self) -> str:
        """Everything Dovecot logged so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def start(self) -> None:
        """Start `dovecot -F` and wait until it accepts connections."""
        skip_if_clock_ahead("Dovecot (INTERNALDATE, certificates)")
        if self.process is not None and self.process.poll() is None:
            return
        with open(self.root / "stdout.log", "ab") as out:
            # Its own process group: Dovecot's master leaves some children (imap, log,
            # stats) running when it exits, and stop() ends them through the group.
            self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(self.conf)], stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited with {self.process.returncode}:\n"
                                   f"{(self.root / 'stdout.log').read_text(errors='replace')}\n{self.log_text()}")
            ports = [p for p in (self.port, self.imaps_port) if p]
            if all(_accepts(p) for p in ports):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not start listening within 15 s:\n{self.log_text()}")

    def stop(self) -> None:
        """Stop Dovecot and every process it started (open IMAP sessions end), and wait for them."""
        proc, self.process = self.process, None
        if proc is None:
            return
        _end_group(proc)
        # The master removes its pid file last; starting again before that fails.
        deadline = time.monotonic() + 5
        while (self.root / "base" / "master.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)


def _end_group(master: subprocess.Popen[bytes]) -> None:
    """SIGTERM (then SIGKILL) the process group the master leads, and wait until all of it is gone."""
    pgid = master.pid
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            master.wait(timeout=5)
        deadline = time.monotonic() + 5
        while _group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if master.poll() is not None and not _group_alive(pgid):
            return


def _group_alive(pgid: int) -> bool:
    """True while a process of group `pgid` runs (zombies waiting for init to reap them do not count)."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()  # after "(comm)": state, ppid, pgrp, ...
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            return True
    return False


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _mail_owner() -> tuple[int, int, str | None]:
    """(uid, gid, name to run Dovecot's own processes as, None: the package defaults)."""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        return nobody.pw_uid, nobody.pw_gid, None
    me = pwd.getpwuid(os.geteuid())
    return me.pw_uid, me.pw_gid, me.pw_name


def _write_certificates(root: Path) -> None:
    """A CA and a server certificate for localhost and 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    # Valid for years either side of this process's clock: the suite also runs
    # with that clock moved a year ahead (tests/support/clock.py), and OpenSSL
    # checks the dates against the real one.
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Lagesbild test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=800))
          .not_valid_after(now + dt.timedelta(days=800))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False),
                         critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=800)).not_valid_after(now + dt.timedelta(days=800))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    (root / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (root / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path = root / "key.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)


def _config(server: DovecotServer, uid: int, gid: int, run_as: str | None) -> str:
    root = server.root
    tls = (f"ssl = yes\nssl_cert = <{root / 'cert.pem'}\nssl_key = <{root / 'key.pem'}\n"
           if server.tls else "ssl = no\n")
    imaps = f"  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {server.imaps_port}\n  }}\n" \
        if server.imaps_port else "  inet_listener imaps {\n    port = 0\n  }\n"
    rootless = ""
    if run_as is not None:
        # Without root: every process runs as the invoking user and nothing chroots.
        group = grp.getgrgid(gid).gr_name
        rootless = (f"default_internal_user = {run_as}\ndefault_internal_group = {group}\n"
                    f"default_login_user = {run_as}\n"
                    "service anvil {\n  chroot =\n}\nservice imap-login {\n  chroot =\n}\n")
    return f"""# Written by tests/support/dovecot.py; reads nothing from /etc/dovecot.
base_dir = {root / 'base'}
state_dir = {root / 'state'}
log_path = {server.log}
info_log_path = {server.log}
instance_name = lagesbild-test-{server.port}
protocols = imap
listen = 127.0.0.1
{tls}disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
auth_failure_delay = 0
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:~/Maildir
{rootless}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root / 'passwd'}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root / 'passwd'}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {server.port}
  }}
{imaps}}}
"""


def _passwd_line(user: str, password: str, uid: int, gid: int, home: Path) -> str:
    return f"{user}:{{PLAIN}}{password}:{uid}:{gid}::{home}::\n"


@contextlib.contextmanager
def running_dovecot(*, tls: bool = True, extra_config: str = "") -> Iterator[DovecotServer]:
    """A started Dovecot, stopped and deleted afterwards (use in a fixture).

    `extra_config` is appended to dovecot.conf (e.g. a namespace with another separator).
    """
    # Not under pytest's tmp_path: its parents are 0700 root, and the mail
    # processes run as "nobody" and must reach their Maildirs.
    root = Path(tempfile.mkdtemp(prefix="lagesbild-dovecot-"))
    root.chmod(0o755)
    uid, gid, run_as = _mail_owner()
    server = DovecotServer(root=root, tls=tls, port=free_port(), imaps_port=free_port() if tls else None)
    try:
        for sub in ("base", "state", "mail"):
            (root / sub).mkdir()
        homes = {USER: root / "mail" / USER, OAUTH_USER: root / "mail" / OAUTH_USER}
        for home in homes.values():
            home.mkdir()
            os.chown(home, uid, gid)
        os.chown(root / "mail", uid, gid)
        (root / "passwd").write_text(_passwd_line(USER, server.password, uid, gid, homes[USER])
                                     + _passwd_line(OAUTH_USER, server.oauth_token, uid, gid, homes[OAUTH_USER]))
        if tls:
            _write_certificates(root)
        server.conf.write_text(_config(server, uid, gid, run_as) + extra_config)
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def maildir_of(server: DovecotServer, user: str = USER) -> Path:
    """The user's Maildir as Dovecot lays it out on disk."""
    return server.root / "mail" / user / "Maildir"


def chown_tree(path: Path) -> None:
    """Give `path` to the mail owner, as a delivery agent running as that user would have left it."""
    uid, gid, _ = _mail_owner()
    for dirpath, _dirs, files in os.walk(path):
        os.chown(dirpath, uid, gid)
        for name in files:
            os.chown(os.path.join(dirpath, name), uid, gid)
