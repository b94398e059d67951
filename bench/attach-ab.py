#!/usr/bin/env python3
"""A/B of attach mode's cost on the demo server: plain, then each given autotel binary attached,
interleaved round by round (the order rotates), each on a fresh server process.

usage (root, from the repository root, needs bpftool):
  bench/attach-ab.py [--rounds N] [--requests N] AUTOTEL_A [AUTOTEL_B ...]

AUTOTEL@nostats runs that binary without kernel.bpf_stats_enabled (no BPF columns): what the
statistics themselves cost the server.

Prints per variant the medians of: requests/s and its ratio to plain (per-round ratios), the
server's CPU µs per request, the agent's CPU µs per request, and each BPF program's runs per
request and ns per run (kernel.bpf_stats_enabled=1 during the measured requests). Exports to the
first binary's `autotel view --json` (output discarded), as bench/run's runtime section does.
"""
import argparse, contextlib, json, os, signal, socket, subprocess, sys, tempfile, time
from pathlib import Path

import bpf  # bench/bpf.py: the programs' counters and names
from bench import rotated

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port):
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def cpu_s(pid):
    """CPU seconds of all of pid's threads so far, to the nanosecond (schedstat's run time; the
    tick-based counters of /proc/PID/stat are too coarse for the agent's few milliseconds)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            total += int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that ended in between
    return total / 1e9


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("autotel", nargs="+")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("attach-ab: needs root (attach mode)")
    work = Path(tempfile.mkdtemp(prefix="attach-ab-"))
    subprocess.run(["go", "build", "-o", work / "server", "./cmd/b"], cwd=ROOT / "testdata/apps/nethttp-pair", check=True)
    subprocess.run(["go", "build", "-o", work / "loadgen", "."], cwd=ROOT / "bench/loadgen", check=True)
    http_port, grpc_port = free_port(), free_port()
    collector = subprocess.Popen([args.autotel[0].removesuffix(NO_STATS), "view", "--json", "--http-port", str(http_port), "--grpc-port", str(grpc_port)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(http_port)
    variants = ["plain"] + args.autotel
    rows = {v: [] for v in variants}
    try:
        for r in range(args.rounds):
            for v in rotated(variants, r):
                rows[v].append(measure(v, work, args.requests, http_port))
                print(f"round {r + 1}/{args.rounds} {v}: {rows[v][-1]['rps']:.0f} req/s", file=sys.stderr)
    finally:
        collector.send_signal(signal.SIGINT)
        collector.wait()
    plain = rows["plain"]
    print("| variant | req/s | × plain | server CPU µs/req | agent CPU µs/req | BPF programs: runs/req × ns/run |")
    print("|---|---|---|---|---|---|")
    for v in variants:
        ratio = median([a["rps"] / p["rps"] for a, p in zip(rows[v], plain)])
        progs = {}
        for row in rows[v]:
            for name, (runs, ns) in row.get("bpf", {}).items():
                progs.setdefault(name, []).append((runs, ns))
        bpf = ", ".join(f"{n} {median([x[0] for x in xs]):.2f} × {median([x[1] for x in xs]):.0f}" for n, xs in sorted(progs.items()))
        agent = median([x["agent_cpu"] for x in rows[v]]) if v != "plain" else 0
        print(f"| {v} | {median([x['rps'] for x in rows[v]]):.0f} | {ratio:.2f} | {median([x['cpu'] for x in rows[v]]):.1f} | {agent:.1f} | {bpf} |")


NO_STATS = "@nostats"


def measure(variant, work, requests, http_port):
    stats = not variant.endswith(NO_STATS)
    binary = variant.removesuffix(NO_STATS)
    port = free_port()
    server = subprocess.Popen([work / "server"], env={**os.environ, "LISTEN": f"127.0.0.1:{port}"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    agent = None
    try:
        wait_port(port)
        if variant != "plain":
            log = work / "attach.log"
            agent = subprocess.Popen([binary, "attach", "--pid", str(server.pid)], stdout=open(log, "w"), stderr=subprocess.STDOUT,
                                     env={**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{http_port}",
                                          "OTEL_SERVICE_NAME": "bench-b"})
            deadline = time.time() + 60
            while "uprobes) on" not in log.read_text():
                if agent.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"autotel attach did not start: {log.read_text()[-2000:]}")
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}/items/42"
        load = [str(work / "loadgen"), "run", "-url", url, "-c", "4", "-warmup", "0", "-n"]
        subprocess.run(load + ["3000"], capture_output=True, check=True)
        with bpf.stats_enabled() if stats else contextlib.nullcontext():
            p0 = bpf.program_counters(agent.pid) if agent and stats else {}
            c0, a0 = cpu_s(server.pid), cpu_s(agent.pid) if agent else 0
            res = json.loads(subprocess.run(load + [str(requests)], capture_output=True, text=True, check=True).stdout)
            res["cpu"] = (cpu_s(server.pid) - c0) / requests * 1e6
            if agent:
                res["agent_cpu"] = (cpu_s(agent.pid) - a0) / requests * 1e6
            if agent and stats:
                p1 = bpf.program_counters(agent.pid)
                names = bpf.program_names(set(p1))
                res["bpf"] = {}
                for pid, c in p1.items():
                    runs = c["run_cnt"] - p0.get(pid, {}).get("run_cnt", 0)
                    if runs > 0:
                        ns = c["run_time_ns"] - p0.get(pid, {}).get("run_time_ns", 0)
                        res["bpf"][names.get(pid, str(pid))] = (runs / requests, ns / runs)
        return res
    finally:
        if agent:
            agent.send_signal(signal.SIGINT)
            agent.wait()
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
