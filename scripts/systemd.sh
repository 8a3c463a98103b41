#!/usr/bin/env bash
# The worker's watchdog under a real systemd: deploy/lagesbild.service as shipped, booted by systemd
# in a container (systemd-nspawn), and a worker whose loop stops is killed and restarted.
#
#   bash scripts/systemd.sh        # or ./run systemd (installs systemd-container first); root, ~1 minute
#   UNIT=other.service bash scripts/systemd.sh   # try a change of the unit
#
# The container is this machine's own root file system, read-only under a throw-away overlay
# (--volatile=overlay), with its own network, /etc/systemd/system (only the units below) and
# /etc/lagesbild; nothing it writes reaches the host. Installed as the unit's comments say: the
# `lagesbild` system user, /etc/lagesbild/config.toml (a Maildir and a file outbox in the state
# directory, [watchdog] stall_seconds = 8), root-only credential files, the unit copied unchanged
# with one drop-in that shortens the times (WatchdogSec=10 instead of 120). /opt/lagesbild is a
# venv on the system Python (.venv's own is under /root, which ProtectHome= hides) with the
# committed code (git HEAD) over the libraries of this checkout's .venv.
#
# Then: a form mailed in gets its receipt; the worker's loop is blocked (SQLite's write lock held by
# another process, so the ingest job makes no progress while the process lives) and systemd restarts
# it on its watchdog; the whole worker is frozen (SIGSTOP) while it reads a batch of 30 forms,
# holding its lease on the mailbox, and systemd restarts it again; the new worker takes the dead
# one's lease over and answers all 30. It prints the service's journal and fails unless NRestarts
# is 2 with two watchdog timeouts and the lease taken over.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
WATCHDOG_SEC=${WATCHDOG_SEC:-10}
UNIT=${UNIT:-deploy/lagesbild.service}  # another file to try a change of the unit
[ "$(id -u)" -eq 0 ] || { echo "systemd: needs root (systemd-nspawn)" >&2; exit 2; }
command -v systemd-nspawn >/dev/null || { echo "systemd: needs systemd-nspawn (systemd-container)" >&2; exit 2; }
[ -x /usr/bin/python3 ] || { echo "systemd: needs /usr/bin/python3" >&2; exit 2; }

ws=$(mktemp -d /var/tmp/lagesbild-systemd.XXXXXX)
machine=lagesbild-watchdog-$$
nspawn=""
leader=""
cleanup() {
    if [ -n "$nspawn" ] && kill -0 "$nspawn" 2>/dev/null; then
        # The container is thrown away: its PID 1 killed takes every process in it along (a halt would
        # wait for the worker's TimeoutStopSec), and nspawn ends with it. Killing nspawn alone would not.
        if [ -n "$leader" ]; then kill -KILL "$leader" 2>/dev/null || true; else kill -TERM "$nspawn"; fi
        for _ in $(seq 50); do kill -0 "$nspawn" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$nspawn" 2>/dev/null || true
        wait "$nspawn" 2>/dev/null || true
    fi
    # $ws/root is the host's root bound read-only: unmounted first, then removed as an empty folder
    # only, and the rest by name: never a recursive delete that could reach through it.
    if mountpoint -q "$ws/root"; then umount "$ws/root" || umount -l "$ws/root"; fi
    rmdir "$ws/root" 2>/dev/null || true
    rm -f "$ws/.#root.lck"  # nspawn's lock on the directory
    rm -rf "$ws/units" "$ws/etc" "$ws/opt" "$ws/mail"
    rm -f "$ws/console.log"
    rmdir "$ws" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # through the EXIT trap: the container stopped, the bind unmounted

# /opt/lagesbild: a venv on the system Python with the committed code (git HEAD, in src/: not the work
# tree, where a change half made would stop the worker) over the libraries of this checkout's .venv,
# and the console script the unit's ExecStart names.
/usr/bin/python3 -m venv --without-pip "$ws/opt"
install -d "$ws/opt/src"
git archive HEAD | tar -x -C "$ws/opt/src"
site=$(echo "$ws"/opt/lib/python3*/site-packages)
{ echo "/opt/lagesbild/src"  # before .venv's editable install of the work tree
  echo "import site; site.addsitedir('$(echo "$REPO"/.venv/lib/python3*/site-packages)')"; } >"$site/lagesbild-checkout.pth"
printf '#!/opt/lagesbild/bin/python\nimport sys\nfrom lagesbild.cli import main\nif __name__ == "__main__":\n    sys.exit(main())\n' >"$ws/opt/bin/lagesbild"
chmod 0755 "$ws/opt/bin/lagesbild"

# /etc/lagesbild: the configuration and the credentials the unit's LoadCredential= lines name.
install -d -m 0755 "$ws/etc"
install -d -m 0700 "$ws/etc/credentials"
cat >"$ws/etc/config.toml" <<'EOF'
signals = []
[mailbox]
source = "maildir:/var/lib/lagesbild/Maildir"
poll_interval_seconds = 2
# Small batches: the watchdog counts a message handled as progress, and 30 forms read in one batch of
# 50 take longer than this test's stall_seconds before the first is recorded (a new worker's form
# readers start first: a few seconds).
batch_size = 5
[store]
url = "sqlite:////var/lib/lagesbild/lagesbild.db"
[outbox]
transport = "file:/var/lib/lagesbild/outbox"
max_reply_age_days = 0
replies_per_sender_per_hour = 1000
[watchdog]
stall_seconds = 8
EOF
for secret in LAGESBILD_IMAP_PASSWORD LAGESBILD_SMTP_PASSWORD; do
    printf 'not-used-by-a-maildir' >"$ws/etc/credentials/$secret"
    chmod 0400 "$ws/etc/credentials/$secret"
done

# /etc/systemd/system: the unit as shipped, the test's drop-in, the user, and the target booted into.
install -d "$ws/units/lagesbild.service.d"
cp "$UNIT" "$ws/units/lagesbild.service"
cat >"$ws/units/lagesbild.service.d/test.conf" <<EOF
[Service]
WatchdogSec=$WATCHDOG_SEC
TimeoutAbortSec=10
RestartSec=1
EOF
cat >"$ws/units/lagesbild-user.service" <<'EOF'
[Unit]
Description=The lagesbild system user (deploy/lagesbild.service, first step)
Before=lagesbild.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/useradd --system --home-dir /var/lib/lagesbild --no-create-home lagesbild
EOF
cat >"$ws/units/lagesbild-test.target" <<'EOF'
[Unit]
Description=Lägesbild's worker and nothing else
Requires=basic.target
After=basic.target
Wants=lagesbild-user.service lagesbild.service
EOF

install -d "$ws/root" "$ws/mail"
mount --bind / "$ws/root"
mount -o remount,bind,ro "$ws/root"
echo "systemd: booting $(systemctl --version | head -1) in a container (log: $ws/console.log)" >&2
systemd-nspawn --quiet --machine="$machine" --directory="$ws/root" --volatile=overlay --private-network \
    --register=no --link-journal=no --keep-unit --console=pipe \
    --bind-ro="$ws/units:/etc/systemd/system" --bind-ro="$ws/etc:/etc/lagesbild" \
    --bind-ro="$ws/opt:/opt/lagesbild" --bind-ro="$ws/mail:/run/lagesbild-test-mail" \
    --boot systemd.unit=lagesbild-test.target >"$ws/console.log" 2>&1 </dev/null &
nspawn=$!

fail() {
    echo "systemd: FAILED: $*" >&2
    if [ -n "$leader" ]; then inside journalctl -u lagesbild.service -n 40 --no-pager >&2 || true
    else tail -20 "$ws/console.log" >&2 || true; fi
    exit 1
}
until_true() {  # until_true SECONDS WHAT COMMAND...
    local seconds=$1 what=$2; shift 2
    local end=$(( $(date +%s) + seconds ))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$end" ] || fail "no $what within $seconds s"
        kill -0 "$nspawn" 2>/dev/null || fail "the container stopped"
        sleep 0.2
    done
}
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
find_leader() {  # the container's PID 1: the systemd process below nspawn
    local p
    for p in $(pgrep -x systemd); do
        local q=$p
        while [ "$q" -gt 1 ]; do
            q=$(ps -o ppid= -p "$q" | tr -d ' ') || break
            if [ "$q" = "$nspawn" ]; then leader=$p; return 0; fi
        done
    done
    return 1
}
until_true 30 "container" find_leader
inside() { nsenter --target "$leader" --all "$@"; }
show() { inside systemctl show --value -p "$1" lagesbild.service; }
is_running() { [ "$(show SubState)" = running ]; }
outbox_count() { inside find /var/lib/lagesbild/outbox -name '*.eml' 2>/dev/null | wc -l; }
has_receipts() { [ "$(outbox_count)" -ge "$1" ]; }
restarts_at_least() { [ "$(show NRestarts)" -ge "$1" ]; }
running_other_than() { is_running && [ "$(show MainPID)" != "$1" ]; }

deliver() {  # deliver NAME COUNT: COUNT filled-in forms, one per mail, as coordinators send them
    local name=$1 count=$2
    PYTHONPATH=$ws/opt/src "$REPO/.venv/bin/python" - "$ws/mail" "$name" "$count" <<'EOF'
import sys
from datetime import datetime
from email.utils import format_datetime

from lagesbild.samples import sample_answers, template_docx
from parsers.form import default_form
from parsers.result import Period
from tests.builders import mail

folder, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
now = datetime.now().astimezone()
period = Period(now.year - (now.month == 1), (now.month - 2) % 12 + 1)  # last month
form = default_form()
for i in range(count):
    seed = i + (name != "first")  # each form its own answers: no duplicate of the first
    docx = template_docx(form, "Falun", period, sample_answers(form, "Falun", period, seed))
    raw = mail.build_mail("samordnare@falun.se", f"Lägesbild {period}", "Hej, här är vår rapport.",
                          [("lagesbild.docx", docx, mail.DOCX_TYPE)], date=format_datetime(now),
                          message_id=f"<{name}-{i}@falun.se>")
    open(f"{folder}/{name}-{i}", "wb").write(raw)
EOF
    # Delivered as an MTA does: written in tmp/, renamed into new/, owned by the worker's user.
    inside sh -c 'cd /run/lagesbild-test-mail && for f in "$0"-*; do
        install -o lagesbild -g lagesbild -m 0600 "$f" "/var/lib/lagesbild/Maildir/tmp/$f" &&
        mv "/var/lib/lagesbild/Maildir/tmp/$f" "/var/lib/lagesbild/Maildir/new/$f"; done' "$name"
}
as_worker() { inside setpriv --reuid=lagesbild --regid=lagesbild --clear-groups "$@"; }
holds_mailbox_lease() {  # the worker is inside an ingest cycle: its lease on the mailbox is in job_lock
    as_worker /opt/lagesbild/bin/python -c '
import sqlite3, sys
db = sqlite3.connect("file:/var/lib/lagesbild/lagesbild.db?mode=ro", uri=True, timeout=1)
sys.exit(0 if db.execute("SELECT count(*) FROM job_lock WHERE name LIKE ?", ("poll:%",)).fetchone()[0] else 1)'
}

until_true 90 "worker started (Type=notify: READY=1)" is_running
echo "systemd: worker running, pid $(show MainPID), WatchdogUSec=$(show WatchdogUSec)" >&2
until_true 30 "Maildir" inside test -d /var/lib/lagesbild/Maildir/new
deliver first 1
until_true 90 "receipt for the first form" has_receipts 1
echo "systemd: the first form's receipt is in the outbox" >&2

# 1. The loop stops while the process lives: another process holds SQLite's write lock, so the next
#    ingest cycle waits on it; the worker's watchdog thread sees no progress and stops pinging.
pid=$(show MainPID)
inside rm -f /run/lagesbild-test-release
as_worker /opt/lagesbild/bin/python -c '
import os, sqlite3, time
db = sqlite3.connect("/var/lib/lagesbild/lagesbild.db", isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("systemd: holding the database write lock", flush=True)
end = time.monotonic() + 120
while not os.path.exists("/run/lagesbild-test-release") and time.monotonic() < end:
    time.sleep(0.2)
db.execute("ROLLBACK")
' >&2 &
holder=$!
start=$(date +%s.%N)
until_true 120 "restart after the blocked loop" restarts_at_least 1
echo "systemd: blocked loop: restarted after $(since "$start") s (NRestarts=$(show NRestarts))" >&2
inside touch /run/lagesbild-test-release
wait "$holder"
until_true 60 "worker running again" running_other_than "$pid"

# 2. The whole process frozen (no thread runs, so no ping at all) in the middle of reading a batch of
#    forms, holding its lease on the mailbox: the restarted worker must see the lease's holder is gone
#    and take it over at once, not wait for it to expire (15 minutes).
pid=$(show MainPID)
BATCH=${BATCH:-30}
deliver batch "$BATCH"
until_true 60 "an ingest cycle holding the mailbox's lease" holds_mailbox_lease
inside systemctl kill --signal=SIGSTOP lagesbild.service
start=$(date +%s.%N)
echo "systemd: worker frozen while reading $BATCH forms, holding the mailbox's lease" >&2
until_true 120 "restart after SIGSTOP" restarts_at_least 2
echo "systemd: frozen worker: restarted after $(since "$start") s (NRestarts=$(show NRestarts))" >&2
until_true 60 "worker running again" running_other_than "$pid"
until_true 90 "receipts for the batch" has_receipts $((1 + BATCH))
echo "systemd: all $BATCH forms' receipts are in the outbox $(since "$start") s after the freeze" >&2

echo
echo "\$ systemctl show -p NRestarts,Result,SubState,WatchdogUSec lagesbild.service"
inside systemctl show -p NRestarts -p Result -p SubState -p WatchdogUSec lagesbild.service
echo
echo "\$ journalctl -u lagesbild.service -o short-monotonic   # (the service's own lines about its state)"
journal=$(inside journalctl -u lagesbild.service -o short-monotonic --no-pager)
# The worker's own lines, systemd's, and the top of each thread dump faulthandler printed on SIGABRT.
echo "$journal" | grep -E 'Started|watchdog|Watchdog|Killing|Main process|Failed with|restart|worker started|Fatal Python|Thread 0x|Current thread|sqlite|in _ingest|took over' || true

[ "$(show NRestarts)" = 2 ] || fail "NRestarts is $(show NRestarts), not 2"
[ "$(echo "$journal" | grep -c 'Watchdog timeout')" = 2 ] || fail "not two watchdog timeouts in the journal"
echo "$journal" | grep -q 'watchdog: ingest has made no progress' || fail "the worker did not say its loop stalled"
echo "$journal" | grep -q 'job lock poll:.*took over from' || fail "the restarted worker did not take over the lease"
echo
echo "systemd: OK: a blocked and a frozen worker were each restarted by systemd's watchdog"
