#!/usr/bin/env bash
# The fault-injection suite, long version: every test in tests/faults, including the slow ones
# (SIGKILL trials on SQLite and PostgreSQL, Maildir and Dovecot, `poll --once` and `run`),
# then a summary of trials, kills and duplicate mails per database.
#
#   bash scripts/faults.sh                 # 13 kills per cell: 4 cells x 13 = 52 per database
#   FAULTS_KILLS=25 bash scripts/faults.sh
#   FAULTS_SEED=7 bash scripts/faults.sh -x  # other random kill moments; extra arguments go to pytest
#   bash scripts/faults.sh -k "not test_long"  # the short run (also part of ./run tests): every fault once
#
# Needs what ./run tests installs (Dovecot, PostgreSQL on 127.0.0.1:5432); the full-disk tests
# need root (they mount a small tmpfs) and are skipped otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

export FAULTS_KILLS=${FAULTS_KILLS:-13}
export FAULTS_SEED=${FAULTS_SEED:-2026}
summary=$(mktemp "${TMPDIR:-/tmp}/lagesbild-faults.XXXXXX")
trap 'rm -f "$summary"' EXIT
export FAULTS_SUMMARY=$summary

start=$(date +%s)
status=0
.venv/bin/python -m pytest -q -p no:randomly -m "slow or not slow" tests/faults "$@" || status=$?
elapsed=$(( $(date +%s) - start ))

.venv/bin/python - "$summary" "$elapsed" "$status" <<'EOF'
import json
import sys
from collections import defaultdict

path, elapsed, status = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cells = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
keys = ("trials", "kills", "duplicates", "unmoved_after_kill", "queued_after_kill", "messages", "seconds")
print()
print("SIGKILL trials (seed %s)" % __import__("os").environ.get("FAULTS_SEED"))
print(f"{'cell':34} {'trials':>6} {'kills':>6} {'dups':>5} {'after commit':>13} {'mail queued':>12} {'msgs':>6} {'s':>6}")
per_db = defaultdict(lambda: dict.fromkeys(keys, 0))
for c in cells:
    db = c["cell"].split("/")[0]
    for k in keys:
        per_db[db][k] += c[k]
    print(f"{c['cell']:34} {c['trials']:6} {c['kills']:6} {c['duplicates']:5} {c['unmoved_after_kill']:13} "
          f"{c['queued_after_kill']:12} {c['messages']:6} {c['seconds']:6.0f}")
for db, t in sorted(per_db.items()):
    print(f"{'total ' + db:34} {t['trials']:6} {t['kills']:6} {t['duplicates']:5} {t['unmoved_after_kill']:13} "
          f"{t['queued_after_kill']:12} {t['messages']:6} {t['seconds']:6.0f}")
print()
print("dups: mails the SMTP server received twice (allowed: at most one per kill, the window between the")
print("hand-over and its record, flow/sending.py); after commit: kills that left a stored message")
print("not yet moved; mail queued: kills that left replies waiting to be sent.")
print(f"whole run: {elapsed} s, pytest exit status {status}")
EOF
exit $status
