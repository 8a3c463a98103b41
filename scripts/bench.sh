#!/usr/bin/env bash
# Every benchmark in bench/, one after the other, each printing its figures, its baseline and its target.
#
#   bash scripts/bench.sh                 # all seven (about 50 minutes on 2 cores; the backfill and the burst most)
#   bash scripts/bench.sh parse ingest    # some of them: parse ingest backfill outputs latency web burst
#   BURST_MINUTES=2 bash scripts/bench.sh burst      # the deadline-day burst compressed into 2 minutes
#   BENCH_SCALE=0.1 bash scripts/bench.sh backfill   # the backfill on the last 12 months, extrapolated
#   BENCH_STORE=postgresql bash scripts/bench.sh web  # the web page's server time on PostgreSQL
#
# Run it on a quiet machine: the figures are wall-clock times. See bench/README.md for what each measures.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
all=(parse ingest backfill outputs latency burst web)
chosen=("$@")
[ ${#chosen[@]} -gt 0 ] || chosen=("${all[@]}")

for b in "${chosen[@]}"; do
    echo "=================================================================== $b"
    start=$(date +%s)
    case "$b" in
        parse)    "$PY" bench/parse.py --copies 4 ;;
        ingest)   "$PY" bench/mail_intake.py --messages 2000 ;;
        backfill) "$PY" bench/backfill.py --scale "${BENCH_SCALE:-1}" ;;
        outputs)  "$PY" bench/county_outputs.py --years 10 ;;
        latency)  "$PY" bench/latency.py --samples 20 ;;
        web)      "$PY" bench/web_pages.py --requests 200 --store "${BENCH_STORE:-sqlite}" ;;
        burst)    "$PY" bench/burst.py --minutes "${BURST_MINUTES:-10}" ;;
        *) echo "unknown benchmark: $b (choose from: ${all[*]})" >&2; exit 2 ;;
    esac
    echo "($b took $(( $(date +%s) - start )) s)"
done
