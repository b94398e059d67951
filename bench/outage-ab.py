#!/usr/bin/env python3
"""A/B of the collector-outage cost on the demo server: each given autotel-built server binary
with the collector up (`autotel view --json`), down (a closed port) and hanging (`loadgen
blackhole`: accepts, reads, never answers), interleaved round by round (the order rotates), a
fresh server process each time, load and RSS as bench/run's outage section measures them.

usage (from the repository root):
  bench/outage-ab.py --autotel AUTOTEL --loadgen LOADGEN [--rounds N] [--requests N] LABEL=SERVER ...

AUTOTEL serves as the collector (`view`); LOADGEN is bench/loadgen built. Prints per server and
collector the medians of requests/s, p99 µs and RSS MiB, each also as the median of the per-round
ratios to the same server's collector-up run, and the live heap after the last garbage
collection (GODEBUG=gctrace=1), which says what the export path holds.
"""
import argparse, re, signal, subprocess, sys, json
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import clean_env, free_port, median, proc_mem_mib, rotated, run, stop, wait_port  # noqa: E402

GCTRACE = re.compile(rb"gc \d+ .*?(\d+)->(\d+)->(\d+) MB")


def measure(server_bin, loadgen, endpoint, requests, warmup, concurrency):
    port = free_port()
    env = clean_env(LISTEN=f"127.0.0.1:{port}", OTEL_SERVICE_NAME="bench-b",
                    OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, GODEBUG="gctrace=1")
    server = subprocess.Popen([server_bin], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_port(port, server)
        url = f"http://127.0.0.1:{port}/items/42"
        run([loadgen, "run", "-url", url, "-n", str(warmup), "-c", str(concurrency), "-warmup", "0"])
        res = json.loads(run([loadgen, "run", "-url", url, "-n", str(requests), "-c", str(concurrency),
                              "-warmup", "0"]).stdout)
        res["rss_mib"], _ = proc_mem_mib(server.pid)
    finally:
        server.kill()
        err = server.communicate()[1]
    live = GCTRACE.findall(err)
    res["live_heap_mb"] = int(live[-1][2]) if live else None
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--autotel", required=True)
    ap.add_argument("--loadgen", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--warmup", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("servers", nargs="+", help="LABEL=PATH")
    args = ap.parse_args()
    servers = dict(s.split("=", 1) for s in args.servers)

    http_port, grpc_port = free_port(), free_port()
    view = subprocess.Popen([args.autotel, "view", "--json", "--http-port", str(http_port), "--grpc-port",
                             str(grpc_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hole_port = free_port()
    hole = subprocess.Popen([args.loadgen, "blackhole", "-listen", f"127.0.0.1:{hole_port}"],
                            stdout=subprocess.DEVNULL)
    collectors = {"up": f"http://127.0.0.1:{http_port}", "down": f"http://127.0.0.1:{free_port()}",
                  "hanging": f"http://127.0.0.1:{hole_port}"}
    runs = [(s, c) for s in servers for c in collectors]
    rows = {k: [] for k in runs}
    try:
        wait_port(http_port, view)
        wait_port(hole_port, hole)
        for r in range(args.rounds):
            for k in rotated(runs, r):
                res = measure(servers[k[0]], args.loadgen, collectors[k[1]], args.requests, args.warmup,
                              args.concurrency)
                rows[k].append(res)
                print(f"r{r} {k[0]} {k[1]}: {res['rps']:.0f} req/s p99 {res['p99_us']:.0f}us "
                      f"rss {res['rss_mib']:.1f}MiB live heap {res['live_heap_mb']}MB", file=sys.stderr, flush=True)
    finally:
        stop(view, signal.SIGINT)
        stop(hole)

    print(f"| server | collector | n | req/s | × up | p99 µs | × up | RSS MiB | × up | live heap MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for s, c in runs:
        rs, up = rows[(s, c)], rows[(s, "up")]
        ratio = lambda f: median([a[f] / b[f] for a, b in zip(rs, up)])
        print(f"| {s} | {c} | {len(rs)} | {median([x['rps'] for x in rs]):,.0f} | {ratio('rps'):.2f} | "
              f"{median([x['p99_us'] for x in rs]):,.0f} | {ratio('p99_us'):.2f} | "
              f"{median([x['rss_mib'] for x in rs]):.1f} | {ratio('rss_mib'):.2f} | "
              f"{median([x['live_heap_mb'] for x in rs])} |")


if __name__ == "__main__":
    main()
