"""Arrival-to-receipt latency: IMAP IDLE against polling.

Starts a Dovecot (tests/support/dovecot.py) and an aiosmtpd server
(tests/support/smtp.py), then runs the worker exactly as deployed
(`lagesbild run`, the console script) twice: with `idle = true`, and with
`idle = false` and `poll_interval_seconds` (default 30). For each sample a
municipality's filled-in form is APPENDed to the watched folder from a
sender address used once (so the per-sender reply limit never interferes),
and the latency is the time from just before the APPEND until the receipt
to that address has been accepted by the SMTP server. Between samples the
benchmark waits a random pause (IDLE: 0.5–3 s; polling: 0 to one interval,
so arrivals fall at random points of the poll cycle).

It also reports the worker's CPU use: over a quiet window with no mail
(idle is idle: it should be near zero) and over the whole run.

The baseline, measured in the same run: the time from APPEND until a
second IMAP connection that is itself in IDLE sees the new message (what
the server can deliver at best).

    python bench/latency.py [--samples 20] [--poll-interval 30] [--quiet 10] [--only idle|poll]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import LAGESBILD, FormFactory, counties_with_a_cycle, domain_of, toml_text  # noqa: E402
from measure import machine_note, percentile  # noqa: E402

from parsers.result import Period  # noqa: E402

TARGET_P95 = 5.0
DALARNA = ("Avesta", "Borlänge", "Falun", "Gagnef", "Hedemora", "Leksand", "Ludvika", "Malung-Sälen", "Mora",
           "Orsa", "Rättvik", "Smedjebacken", "Säter", "Vansbro", "Älvdalen")


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process and its waited-for children (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(v) for v in fields[11:15]) / ticks  # utime stime cutime cstime


def sample_mail(factory: FormFactory, k: int, period: Period, run: str) -> tuple[str, bytes]:
    """(sender, mail): a Dalarna municipality's form from an address used only for this sample."""
    from tests.builders.mail import DOCX_TYPE, build_mail

    municipality = DALARNA[k % len(DALARNA)]
    sender = f"bench-{run}-{k}@{domain_of(municipality)}"
    data = factory.docx(municipality, period, k)
    raw = build_mail(sender, f"Lägesbild {period}", "Hej!", [(f"Lägesbild {municipality}.docx", data, DOCX_TYPE)],
                     message_id=f"<latency-{run}-{k}-{time.time_ns()}@{domain_of(municipality)}>")
    return sender, raw


def idle_floor(server: Any, folder: str, factory: FormFactory, period: Period, samples: int) -> list[float]:
    """Baseline: APPEND until another connection in IDLE is told (EXISTS)."""
    watcher, admin = server.client(), server.client()
    out = []
    try:
        watcher.select_folder(folder, readonly=True)
        for k in range(samples):
            watcher.idle()
            _, raw = sample_mail(factory, 1000 + k, period, "floor")
            start = time.perf_counter()
            admin.append(folder, raw)
            while True:
                responses = watcher.idle_check(timeout=10)
                if any(isinstance(r, tuple) and len(r) > 1 and r[1] == b"EXISTS" for r in responses):
                    break
            out.append(time.perf_counter() - start)
            watcher.idle_done()
    finally:
        watcher.logout()
        admin.logout()
    return out


def run_worker(mode: str, server: Any, smtp: Any, work: Path, factory: FormFactory, samples: int,
               interval: int, quiet: float) -> dict[str, Any]:
    """Start `lagesbild run`, take the samples, stop it with SIGTERM; latencies and CPU figures."""
    folder = f"Inkorg-{mode}"
    admin = server.client()
    admin.create_folder(folder)
    config = work / f"{mode}.toml"
    config.write_text("signals = []\n" + toml_text({
        "mailbox": {"source": server.url(folder), "password_env": "BENCH_IMAP_PASSWORD",
                    "allow_plaintext_loopback": True, "idle": mode == "idle", "poll_interval_seconds": interval},
        "store": {"url": f"sqlite:///{work / (mode + '.db')}"},
        "outbox": {"transport": f"smtp://127.0.0.1:{smtp.port}"},
    }), encoding="utf-8")
    log = work / f"{mode}.log"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("LAGESBILD_")},
           "BENCH_IMAP_PASSWORD": server.password}
    with open(log, "w", encoding="utf-8") as out:
        worker = subprocess.Popen([str(LAGESBILD), "run", "--config", str(config)], stdout=out,
                                  stderr=subprocess.STDOUT, env=env)
    period = Period(time.localtime().tm_year, time.localtime().tm_mon)
    latencies: list[float] = []
    try:
        deadline = time.monotonic() + 60
        while not counties_with_a_cycle(f"sqlite:///{work / (mode + '.db')}"):  # the first (empty) cycle has run
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the worker did not start:\n{log.read_text(encoding='utf-8')[-3000:]}")
            time.sleep(0.1)
        time.sleep(1)
        cpu0 = cpu_of(worker.pid)
        time.sleep(quiet)
        quiet_cpu = (cpu_of(worker.pid) - cpu0) / quiet
        start_cpu, start_wall = cpu_of(worker.pid), time.monotonic()
        rng = random.Random(mode)
        for k in range(samples):
            time.sleep(rng.uniform(0.5, 3.0) if mode == "idle" else rng.uniform(0, interval))
            sender, raw = sample_mail(factory, k, period, mode)
            seen = len(smtp.handler.received)
            start = time.perf_counter()
            admin.append(folder, raw)
            limit = time.monotonic() + 3 * interval + 60
            while not any(sender in r.rcpt_tos for r in smtp.handler.received[seen:]):
                if time.monotonic() > limit:
                    raise SystemExit(f"no receipt for sample {k} ({mode}):\n{log.read_text()[-3000:]}")
                time.sleep(0.01)
            latencies.append(time.perf_counter() - start)
            print(f"    {mode} sample {k + 1:2d}: {latencies[-1]:6.2f} s", flush=True)
        busy = (cpu_of(worker.pid) - start_cpu) / (time.monotonic() - start_wall)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=120)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        admin.logout()
    return {"latencies": latencies, "quiet_cpu": quiet_cpu, "busy_cpu": busy, "log": log}


def cycle_times(log: Path) -> list[float]:
    """From the worker's log: how long each stored message took, from reading it to its outcome recorded
    (the `seconds=` of its `message id=… outcome=stored` line)."""
    import re

    return [float(m.group(1)) for m in re.finditer(r"outcome=stored seconds=([\d.]+)", log.read_text(encoding="utf-8"))]


def summary(label: str, values: list[float], baseline: float | None = None) -> str:
    ratio = f"  ratio to baseline p50 {statistics.median(values) / baseline:.0f}x" if baseline else ""
    return (f"  {label:28} n={len(values):3d}  p50 {statistics.median(values):6.2f} s  "
            f"p95 {percentile(values, 95):6.2f} s  min {min(values):6.2f} s  max {max(values):6.2f} s{ratio}")


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--samples", type=int, default=20)
    args.add_argument("--poll-interval", type=int, default=30, help="poll_interval_seconds (default 30)")
    args.add_argument("--quiet", type=float, default=10, help="seconds without mail to measure idle CPU")
    args.add_argument("--only", choices=("idle", "poll"))
    args.add_argument("--keep", type=Path, help="keep the worker's configurations, databases and logs here")
    opts = args.parse_args()

    from tests.support import dovecot
    from tests.support.smtp import start_smtp

    if not dovecot.available():
        raise SystemExit("Dovecot is not installed")
    print(f"machine: {machine_note()}")
    factory = FormFactory(opts.samples + 20)
    work = opts.keep or Path(tempfile.mkdtemp(prefix="lagesbild-bench-latency-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, Any]] = {}
    try:
        with dovecot.running_dovecot(tls=False) as server, start_smtp() as smtp:
            admin = server.client()
            admin.create_folder("Floor")
            admin.logout()
            period = Period(time.localtime().tm_year, time.localtime().tm_mon)
            floor = idle_floor(server, "Floor", factory, period, opts.samples)
            for mode in ("idle", "poll"):
                if opts.only and mode != opts.only:
                    continue
                print(f"  running `lagesbild run` with {'idle = true' if mode == 'idle' else 'idle = false'}, "
                      f"poll_interval_seconds = {opts.poll_interval}", flush=True)
                results[mode] = run_worker(mode, server, smtp, work, factory, opts.samples, opts.poll_interval,
                                           opts.quiet)
        report(opts, floor, results)
    finally:
        if opts.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def report(opts: argparse.Namespace, floor: list[float], results: dict[str, dict[str, Any]]) -> None:
    base = statistics.median(floor)
    print("arrival (APPEND) to receipt accepted by SMTP:")
    print(summary("baseline: IDLE sees APPEND", floor))
    for mode, r in results.items():
        label = "worker, IDLE" if mode == "idle" else f"worker, polling every {opts.poll_interval} s"
        print(summary(label, r["latencies"], base))
        cycles = cycle_times(r["log"])
        if cycles:
            print(f"    stored messages in the worker: n={len(cycles)}, p50 {statistics.median(cycles):.2f} s, "
                  f"p95 {percentile(cycles, 95):.2f} s (read to recorded, from its log line)")
        print(f"    worker CPU: {r['quiet_cpu']:.2f} cores busy with no mail ({opts.quiet:g} s window), "
              f"{r['busy_cpu']:.2f} cores over the sampling run")
    if "idle" in results:
        p95 = percentile(results["idle"]["latencies"], 95)
        print(f"target p95 < {TARGET_P95:g} s with IDLE: {'met' if p95 < TARGET_P95 else 'MISSED'} ({p95:.2f} s)")


if __name__ == "__main__":
    main()
