#!/usr/bin/env python3
"""Interleaved A/B of demo-server binaries (bench/unsampled-request.md): per round, a fresh server
per variant (order rotating), 2000 warm-up requests, then N measured with bench/loadgen (4
connections): req/s, server CPU µs/request (/proc), mallocs/request (the server must print
"MALLOCS n" to stderr on SIGUSR1, as the profile.go of unsampled-request.md does).
usage: LOADGEN=path unsampled-request-ab.py ROUNDS N name=binary[:ENV=V,ENV=V] ...  (first = baseline)"""
import json, os, signal, socket, subprocess, sys, time, statistics
from bench import rotated
LG = os.environ.get("LOADGEN", "loadgen")  # go build -o loadgen ./bench/loadgen
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
def mallocs(p, errf):
    n0 = open(errf).read().count("MALLOCS")
    p.send_signal(signal.SIGUSR1)
    for _ in range(200):
        t = open(errf).read()
        if t.count("MALLOCS") > n0:
            return int([l for l in t.splitlines() if l.startswith("MALLOCS")][-1].split()[1])
        time.sleep(0.02)
    raise RuntimeError("no MALLOCS")
def measure(binary, env, n):
    port = free_port()
    e = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    e.update(LISTEN=f"127.0.0.1:{port}", OTEL_SERVICE_NAME="bench-b", **env)
    errf = f"/tmp/unsampled-request-err-{port}"
    p = subprocess.Popen([binary], env=e, stdout=subprocess.DEVNULL, stderr=open(errf, "w"))
    try:
        for _ in range(200):
            try: socket.create_connection(("127.0.0.1", port)).close(); break
            except OSError: time.sleep(0.05)
        url = f"http://127.0.0.1:{port}/items/42"
        subprocess.run([LG, "run", "-url", url, "-n", "2000", "-c", "4", "-warmup", "0"], check=True, capture_output=True)
        m0 = mallocs(p, errf); c0 = cpu(p.pid)
        r = json.loads(subprocess.run([LG, "run", "-url", url, "-n", str(n), "-c", "4", "-warmup", "0"], check=True, capture_output=True).stdout)
        r["cpu_us"] = (cpu(p.pid) - c0) / n * 1e6
        r["mallocs"] = (mallocs(p, errf) - m0) / n
        return r
    finally:
        p.kill(); p.wait(); os.unlink(errf)
rounds, n = int(sys.argv[1]), int(sys.argv[2])
variants = []
for a in sys.argv[3:]:
    name, rest = a.split("=", 1)
    b, _, envs = rest.partition(":")
    variants.append((name, b, dict(kv.split("=", 1) for kv in envs.split(",") if kv)))
rows = {v[0]: [] for v in variants}
for r in range(rounds):
    for name, b, env in rotated(variants, r):
        res = measure(b, env, n)
        rows[name].append(res)
        print(f"r{r} {name}: {res['rps']:.0f} rps cpu {res['cpu_us']:.1f}us mallocs {res['mallocs']:.1f}", flush=True)
base = variants[0][0]
print("\n| variant | × plain rps (median of per-round) | rps | CPU µs/req | mallocs/req |\n|---|---|---|---|---|")
for name, _, _ in variants:
    ratios = [x["rps"] / y["rps"] for x, y in zip(rows[name], rows[base])]
    print(f"| {name} | {statistics.median(ratios):.3f} | {statistics.median(x['rps'] for x in rows[name]):.0f} | "
          f"{statistics.median(x['cpu_us'] for x in rows[name]):.1f} | {statistics.median(x['mallocs'] for x in rows[name]):.1f} |")
