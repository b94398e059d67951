#!/usr/bin/env python3
"""The CPU that `autotel view --json` (the benchmark's collector) spends per span it receives.

Runs the Runtime section's setup of bench.py on a small scale: `autotel view --json` with its
standard output on /dev/null, the demo server (testdata/apps/nethttp-pair ./cmd/b built with
`autotel go build`) exporting to its OTLP/HTTP port with the runtime's defaults (batches of 512
spans), driven by bench/loadgen at concurrency 4. One span per request. The collector's CPU is
its utime + stime (/proc/PID/stat) from before the server starts until every span has arrived
(the last partial batch leaves the server after OTEL_BSP_SCHEDULE_DELAY, 5 s), divided by the
requests made (warm-up included).

Several collector binaries are measured in the same run, their order rotating each round, so
that their ratio is read under the same load:

    bench/collector-cost.py --server BIN --loadgen BIN --view before=/tmp/autotel-a --view after=target/release/autotel
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import time

# bench/bench.py's helpers (the script's directory comes first on sys.path).
from bench import clean_env, free_port, proc_cpu_s, proc_mem_mib, rotated, stop, wait_port


def measure(view, args, out=subprocess.DEVNULL):
    """One collector run: µs of collector CPU per span, the load's requests per second."""
    http_port, grpc_port = free_port(), free_port()
    collector = subprocess.Popen([view, "view", "--json", "--http-port", str(http_port), "--grpc-port", str(grpc_port)],
                                 stdout=out, stderr=subprocess.DEVNULL)
    server = None
    try:
        wait_port(http_port, collector)
        time.sleep(0.2)
        cpu0 = proc_cpu_s(collector.pid)
        port = free_port()
        server = subprocess.Popen([args.server], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  env=clean_env(LISTEN=f"127.0.0.1:{port}", OTEL_SERVICE_NAME="bench-b",
                                                OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{http_port}"))
        wait_port(port, server)
        url = f"http://127.0.0.1:{port}/items/42"
        load = lambda n: json.loads(subprocess.run(
            [args.loadgen, "run", "-url", url, "-n", str(n), "-c", str(args.concurrency), "-warmup", "0"],
            check=True, capture_output=True, text=True).stdout)
        load(args.warmup)
        res = load(args.requests)
        time.sleep(args.tail)  # the last partial batch
        cpu1 = proc_cpu_s(collector.pid)
        spans = args.warmup + args.requests
        return {"us_per_span": (cpu1 - cpu0) / spans * 1e6, "cpu_s": cpu1 - cpu0, "spans": spans, "rps": res["rps"],
                "rss_mib": proc_mem_mib(collector.pid)[0]}
    finally:
        stop(server)
        stop(collector, signal.SIGINT)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", required=True, help="the demo server built with autotel")
    p.add_argument("--loadgen", required=True)
    p.add_argument("--view", action="append", required=True, help="NAME=PATH of an autotel binary")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--requests", type=int, default=20000)
    p.add_argument("--warmup", type=int, default=2000)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--tail", type=float, default=5.5, help="seconds to wait for the last batch")
    p.add_argument("--check", metavar="FILE", help="first run the first view once with its output in FILE and "
                   "check that it printed one span line per request")
    args = p.parse_args()
    views = dict(v.split("=", 1) for v in args.view)
    if args.check:
        with open(args.check, "w") as f:
            res = measure(next(iter(views.values())), args, out=f)
        with open(args.check) as f:
            lines = sum(1 for line in f if line.startswith('{"signal":"span"'))
        print(f"check: {lines} span lines for {res['spans']} requests")
        if lines != res["spans"]:
            raise SystemExit("the span count is not the request count: the per-span figures would be wrong")
    names = list(views)
    rows = {n: [] for n in names}
    for r in range(args.rounds):
        for n in rotated(names, r):
            res = measure(views[n], args)
            rows[n].append(res)
            print(f"r{r} {n}: {res['us_per_span']:.2f} us/span ({res['cpu_s']:.2f} s CPU, {res['spans']} spans), "
                  f"load {res['rps']:.0f} req/s, collector RSS {res['rss_mib']:.0f} MiB, loadavg {os.getloadavg()[0]:.1f}",
                  flush=True)
    base = statistics.median(x["us_per_span"] for x in rows[names[0]])
    for n in names:
        m = statistics.median(x["us_per_span"] for x in rows[n])
        print(f"{n}: median {m:.2f} us/span ({m / base:.2f}x {names[0]}), "
              f"median load {statistics.median(x['rps'] for x in rows[n]):.0f} req/s, "
              f"median collector RSS {statistics.median(x['rss_mib'] for x in rows[n]):.0f} MiB")


if __name__ == "__main__":
    main()
