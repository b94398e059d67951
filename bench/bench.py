"""The autotel benchmark suite (run it through `bench/run`; `bench/run --help` for options).

It measures, in one run on one machine, what autotel costs next to plain Go and next to
instrumenting by hand, and writes the raw rounds (results.json), a report (REPORT.md, through
report.py) and SVG plots. Every comparison is a ratio between variants measured in the same
run, interleaved round by round so that load from other processes hits all of them alike; each
figure is the median of its rounds. Nothing here asserts a timing: targets are only reported.

Sections (in this order, each timed):
  build    demo app and a large module-proxy app: plain go build / autotel go build /
           hand-instrumented; cold (private empty GOCACHE and autotel cache), warm with no
           change, warm after one edited file; wall, CPU, peak RSS; binary sizes
  toolexec idle `autotel toolexec` cost for a package no rule matches
  hook     Go microbenchmark of an instrumented call (off / unsampled / sampled) vs plain
  runtime  closed-loop load on the demo server: plain, autotel (sampling on / off / SDK
           disabled), otelhttp by hand, attach mode (root) and attach's uprobes running empty
           BPF programs; for attach, the run count and run time of each BPF program (bpf_stats)
           and the cost of one uprobe hit on this machine
  outage   autotel under load with the collector up, down (closed port) and hanging
  attach-start  time from `autotel attach --pid` to its probes being in, on a large binary
           (caddy, built through the module proxy, with and without symbols/DWARF), on an idle
           machine and with every core kept busy; attach's own step times from `-v`
"""

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bpf  # bench/bpf.py: the script's directory comes first on sys.path
import cpuprofile  # bench/cpuprofile.py: perf profiles of the runtime servers

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DEMO = REPO / "testdata/apps/nethttp-pair"
LARGE_MODULE = "github.com/nats-io/nats-server/v2"
LARGE_VERSION = "v2.15.2"
# The file edited for "warm after one edited file", per source tree (a package-level var is
# appended, so the package's object changes and it is recompiled and relinked).
EDITED = {"demo": "cmd/b/main.go", "hand": "main.go", "large": "server/const.go"}

# attach-start's large target: an ~70 MB Go program (HTTP server, TLS, many libraries).
START_PACKAGE = "github.com/caddyserver/caddy/v2/cmd/caddy"
START_VERSION = "v2.10.2"
START_TARGETS = {"caddy": [], "caddy, stripped (-s -w)": ["-ldflags=-s -w"]}

FULL = dict(
    cold_rounds=3, large_cold_rounds=1, warm_rounds=5, edit_rounds=3, large_app=True, cold=True,
    toolexec_calls=200, toolexec_rounds=5,
    hook_rounds=5, hook_benchtime="200ms",
    rt_rounds=9, rt_requests=40000, rt_warmup=2000, rt_concurrency=4, rt_bpf_rounds=3,
    uprobe_rounds=5, uprobe_calls=50000,
    outage_rounds=3, outage_requests=20000,
    start_rounds=5,
)
QUICK = dict(
    cold_rounds=0, large_cold_rounds=0, warm_rounds=2, edit_rounds=1, large_app=False, cold=False,
    toolexec_calls=100, toolexec_rounds=3,
    hook_rounds=2, hook_benchtime="50ms",
    rt_rounds=1, rt_requests=2000, rt_warmup=300, rt_concurrency=4, rt_bpf_rounds=1,
    uprobe_rounds=1, uprobe_calls=20000,
    outage_rounds=1, outage_requests=2000,
    start_rounds=1,
)
SECTIONS = ["build", "toolexec", "hook", "runtime", "outage", "attach-start"]
# The runtime variant with attach's uprobes running empty BPF programs: what the traps cost.
ATTACH = "attach (eBPF)"
EMPTY_UPROBES = "attach's uprobes, empty programs"


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def rotated(items, r):
    """`items` in round r's order: each round starts one further along, so that no variant
    always runs first (or always after the same one)."""
    items = list(items)
    k = r % len(items)
    return items[k:] + items[:k]


def clean_env(**extra):
    """The process environment without OTEL_*/AUTOTEL_* settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "AUTOTEL_"))}
    env["GOTOOLCHAIN"] = "local"
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run(cmd, cwd=None, env=None, check=True, capture=True):
    p = subprocess.run(cmd, cwd=cwd, env=env, text=True,
                       stdout=subprocess.PIPE if capture else None, stderr=subprocess.PIPE if capture else None)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({p.returncode}):\n{p.stderr}")
    return p


def processes_started():
    """The machine's count of processes created since boot (/proc/stat `processes`)."""
    with open("/proc/stat") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("processes "))


def timed(cmd, cwd, env):
    """Runs cmd; returns wall seconds, CPU seconds of the whole process tree, peak RSS (MiB)
    and the processes created meanwhile.

    Peak RSS is the rusage of the largest single process in the tree (what wait4 reports for
    a reaped tree), i.e. the biggest compile or link, not the sum of parallel ones. Processes
    are counted machine-wide (/proc/stat): on an otherwise idle machine, cmd's tree, itself
    included.
    """
    forks0 = processes_started()
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({p.returncode}) in {cwd}:\n{err[-3000:]}")
    return {"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mib": ru.ru_maxrss / 1024,
            "processes": processes_started() - forks0}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc=None, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited ({proc.returncode}) before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def stop(proc, sig=signal.SIGTERM, timeout=10):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def proc_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_mem_mib(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1]) / 1024
    return out.get("VmRSS"), out.get("VmHWM")


class Suite:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.cfg = QUICK if args.quick else FULL
        self.work = Path(args.work or tempfile.mkdtemp(prefix="autotel-bench-"))
        self.work.mkdir(parents=True, exist_ok=True)
        self.autotel = Path(args.autotel).resolve() if args.autotel else REPO / "target/release/autotel"
        self.results = {"mode": "quick" if self.quick else "full", "config": self.cfg, "sections": {}, "durations_s": {}}
        self.bin = self.work / "bin"
        self.bin.mkdir(exist_ok=True)
        # Go build cache and autotel cache for the builds that are not measured cold (preparation,
        # quick mode's warm builds): kept between runs in ~/.cache/autotel-bench so that a second
        # run does not compile the standard library and the hook runtime again. Never the user's
        # default caches, whose state the suite cannot know.
        self.shared = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "autotel-bench"

    def cache_env(self, caches=None, **extra):
        caches = caches or self.shared
        return clean_env(GOCACHE=caches / "go", AUTOTEL_CACHE_DIR=caches / "autotel", **extra)

    # ---------------------------------------------------------------- setup
    def setup(self):
        t0 = time.perf_counter()
        if not self.args.autotel:
            log("cargo build --release -p autotel")
            run(["cargo", "build", "--release", "-q", "-p", "autotel"], cwd=REPO, capture=False)
        if not self.autotel.exists():
            raise SystemExit(f"no autotel binary at {self.autotel}")
        log("building the load generator and fetching modules")
        run(["go", "build", "-o", str(self.bin / "loadgen"), "."], cwd=BENCH / "loadgen", env=clean_env())
        self.src = self.work / "src"
        self.src.mkdir(exist_ok=True)
        # One source copy per variant, so that edits and caches never cross variants.
        self.trees = {}
        for variant in ("plain", "autotel"):
            self.trees[("demo", variant)] = self.copy_tree(DEMO, f"demo-{variant}")
        self.trees[("demo", "hand")] = self.copy_tree(BENCH / "handinst", "demo-hand")
        for d in (self.trees[("demo", "hand")], BENCH / "hookcost"):
            run(["go", "mod", "download"], cwd=d, env=clean_env())
        if self.cfg["large_app"] and "build" in (self.args.only or SECTIONS):
            info = json.loads(run(["go", "mod", "download", "-json", f"{LARGE_MODULE}@{LARGE_VERSION}"],
                                  cwd=self.work, env=clean_env()).stdout)
            for variant in ("plain", "autotel"):
                tree = self.copy_tree(Path(info["Dir"]), f"large-{variant}")
                run(["go", "mod", "download"], cwd=tree, env=clean_env())
                self.trees[("large", variant)] = tree
            deps = run(["go", "list", "-deps", "."], cwd=self.trees[("large", "plain")], env=clean_env()).stdout.split()
            self.results["large_app"] = {"module": LARGE_MODULE, "version": LARGE_VERSION, "package": LARGE_MODULE,
                                         "deps": len(deps), "non_std_deps": sum("." in d.split("/")[0] for d in deps)}
        demo_deps = run(["go", "list", "-deps", "./cmd/b"], cwd=self.trees[("demo", "plain")], env=clean_env()).stdout.split()
        self.results["demo_app"] = {"package": "testdata/apps/nethttp-pair/cmd/b", "deps": len(demo_deps)}
        # Modules the hook runtime needs, downloaded once outside any measurement.
        if {"build", "runtime", "outage"} & set(self.args.only or SECTIONS):
            run([str(self.autotel), "go", "build", "-o", str(self.work / "prefetch"), "./cmd/b"],
                cwd=self.trees[("demo", "autotel")], env=self.cache_env())
        self.results["durations_s"]["setup"] = time.perf_counter() - t0

    def copy_tree(self, source, name):
        dest = self.src / name
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(source, dest, ignore=shutil.ignore_patterns("*.test", ".git"))
        for root, dirs, files in os.walk(dest):
            for n in dirs + files:
                p = Path(root) / n
                p.chmod(p.stat().st_mode | 0o200)
        return dest

    # ---------------------------------------------------------------- build
    def build_cmd(self, app, variant, out):
        pkg = "./cmd/b" if app == "demo" and variant != "hand" else "."
        if variant == "autotel":
            return [str(self.autotel), "go", "build", "-o", str(out), pkg]
        return ["go", "build", "-o", str(out), pkg]

    def build_once(self, app, variant, caches, tag, out=None):
        out = Path(out) if out else self.bin / f"{app}-{variant}"
        env = self.cache_env(caches)
        m = timed(self.build_cmd(app, variant, out), self.trees[(app, variant)], env)
        if out.is_file():
            m["size_bytes"] = out.stat().st_size
        log(f"  {tag} {app}/{variant}: {m['wall_s']:.2f}s cpu {m['cpu_s']:.1f}s rss {m['peak_rss_mib']:.0f}MiB "
            f"processes {m['processes']}")
        return m

    def edit(self, app, variant, n):
        key = "hand" if variant == "hand" else app
        path = self.trees[(app, variant)] / EDITED[key]
        with open(path, "a") as f:
            f.write(f"\nvar benchEdit{n} = {n}\n")

    def section_build(self):
        cfg = self.cfg
        apps = [("demo", ["plain", "autotel", "hand"])]
        if cfg["large_app"]:
            apps.append(("large", ["plain", "autotel"]))
        data = {}
        for app, variants in apps:
            rows = {v: {"cold": [], "warm": [], "discard": [], "edit": []} for v in variants}
            warm_caches = {v: self.work / "cache" / f"{app}-{v}" for v in variants}
            cold_rounds = cfg["cold_rounds"] if app == "demo" else cfg["large_cold_rounds"]
            if cfg["cold"]:
                for r in range(cold_rounds):
                    for v in rotated(variants, r):
                        caches = self.work / "cache" / f"cold-{app}-{v}-{r}"
                        shutil.rmtree(caches, ignore_errors=True)
                        rows[v]["cold"].append(self.build_once(app, v, caches, f"cold r{r}"))
                        # The last cold round's caches become the warm ones.
                        if r == cold_rounds - 1:
                            shutil.rmtree(warm_caches[v], ignore_errors=True)
                            caches.rename(warm_caches[v])
                        else:
                            shutil.rmtree(caches, ignore_errors=True)
            else:
                # Quick mode: no cold builds; one shared cache for all variants, as on a user's machine.
                warm_caches = {v: self.shared for v in variants}
            for v in variants:
                self.build_once(app, v, warm_caches[v], "prime")
            for r in range(cfg["warm_rounds"]):
                for v in rotated(variants, r):
                    rows[v]["warm"].append(self.build_once(app, v, warm_caches[v], f"warm r{r}"))
            # The same with the executable thrown away: the go command links each time.
            for r in range(cfg["warm_rounds"]):
                for v in rotated(variants, r):
                    rows[v]["discard"].append(self.build_once(app, v, warm_caches[v], f"discard r{r}", out=os.devnull))
            for r in range(cfg["edit_rounds"]):
                for v in rotated(variants, r):
                    self.edit(app, v, r)
                    rows[v]["edit"].append(self.build_once(app, v, warm_caches[v], f"edit r{r}"))
            data[app] = rows
            if cfg["cold"]:
                for v in variants:
                    shutil.rmtree(warm_caches[v], ignore_errors=True)
        self.results["sections"]["build"] = data

    # ------------------------------------------------------------- toolexec
    def section_toolexec(self):
        """Idle proxy cost: `autotel toolexec compile …` for a package no rule matches, against
        running the same tool directly. The tool is /bin/true under the name `compile`, so the
        difference is the proxy alone (start-up, one stat, the progress byte, exec)."""
        d = self.work / "toolexec"
        shutil.rmtree(d, ignore_errors=True)
        (d / "state/pkg").mkdir(parents=True)
        (d / "obj").mkdir()
        tool = d / "compile"
        tool.symlink_to(shutil.which("true"))
        argv = ["-o", str(d / "obj/_pkg_.a"), "-p", "example.com/unmatched", "-complete", "x.go"]
        env = clean_env(AUTOTEL_STATE=d / "state", TOOLEXEC_IMPORTPATH="example.com/unmatched",
                        AUTOTEL_FINGERPRINT="bench")
        direct = [str(tool)] + argv
        proxied = [str(self.autotel), "toolexec", str(tool)] + argv

        def per_call(cmd):
            n = self.cfg["toolexec_calls"]
            t0 = time.perf_counter()
            for _ in range(n):
                pid = os.posix_spawn(cmd[0], cmd, env)
                _, status = os.waitpid(pid, 0)
                if status != 0:
                    raise RuntimeError(f"{cmd} failed: {status}")
            return (time.perf_counter() - t0) / n * 1e3

        rounds = []
        for _ in range(self.cfg["toolexec_rounds"]):
            a, b = per_call(direct), per_call(proxied)
            rounds.append({"direct_ms": a, "autotel_ms": b, "overhead_ms": b - a})
        self.results["sections"]["toolexec"] = {"calls_per_round": self.cfg["toolexec_calls"], "rounds": rounds}
        log(f"  toolexec overhead median {median([r['overhead_ms'] for r in rounds]):.3f} ms")

    # ----------------------------------------------------------------- hook
    def section_hook(self):
        d = BENCH / "hookcost"
        plain_bin, inst_bin = self.bin / "hookcost-plain.test", self.bin / "hookcost-autotel.test"
        env = self.cache_env()
        run(["go", "test", "-c", "-o", str(plain_bin), "./target"], cwd=d, env=env)
        run([str(self.autotel), "go", "--rules", str(d / "rules.yaml"), "test", "-c", "-o", str(inst_bin), "./target"],
            cwd=d, env=env)
        variants = {
            "plain": (plain_bin, {}),
            "off (OTEL_SDK_DISABLED)": (inst_bin, {"OTEL_SDK_DISABLED": "true"}),
            "unsampled (always_off)": (inst_bin, {"OTEL_TRACES_SAMPLER": "always_off", "OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none"}),
            # Spans are recorded and queued; the exporter fails in the background (nothing listens).
            "sampled (OTLP to a closed port)": (inst_bin, {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{free_port()}",
                                                           "OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none"}),
            # With no trace exporter the runtime installs no tracer provider: the global no-op tracer.
            "no tracer provider (OTEL_TRACES_EXPORTER=none)": (inst_bin, {"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none"}),
        }
        rows = {v: {} for v in variants}
        for r in range(self.cfg["hook_rounds"]):
            for v, (binary, extra) in variants.items():
                out = run([str(binary), "-test.run", "^$", "-test.bench", ".", "-test.benchtime", self.cfg["hook_benchtime"],
                           "-test.benchmem"], cwd=d / "target", env=clean_env(**extra)).stdout
                for m in re.finditer(r"^Benchmark(\w+)-\d+\s+\d+\s+([\d.]+) ns/op\s+(\d+) B/op\s+(\d+) allocs/op", out, re.M):
                    rows[v].setdefault(m.group(1), []).append(
                        {"ns_op": float(m.group(2)), "bytes_op": int(m.group(3)), "allocs_op": int(m.group(4))})
        self.results["sections"]["hook"] = rows
        for v in rows:
            log(f"  hook {v}: " + ", ".join(f"{f} {median([x['ns_op'] for x in xs]):.2f} ns" for f, xs in rows[v].items()))

    # -------------------------------------------------------------- runtime
    def runtime_binaries(self):
        """The demo server plain, with autotel and by hand, built with the default caches."""
        bins = {}
        for variant in ("plain", "autotel", "hand"):
            out = self.bin / f"server-{variant}"
            env = self.cache_env()
            run(self.build_cmd("demo", variant, out), cwd=self.trees[("demo", variant)], env=env)
            bins[variant] = out
        return bins

    def start_collector(self):
        http_port, grpc_port = free_port(), free_port()
        p = subprocess.Popen([str(self.autotel), "view", "--json", "--http-port", str(http_port), "--grpc-port", str(grpc_port)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(http_port, p)
        return p, f"http://127.0.0.1:{http_port}"

    def start_server(self, binary, env_extra):
        """The demo server on a free loopback port, listening; returns the process and the port."""
        port = free_port()
        env = clean_env(LISTEN=f"127.0.0.1:{port}", OTEL_SERVICE_NAME="bench-b", **env_extra)
        server = subprocess.Popen([str(binary)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(port, server)
        except RuntimeError:
            stop(server)
            raise
        return server, port

    def measure_server(self, binary, env_extra, requests, attach_endpoint=None, empty_uprobes=(), profile_to=None,
                       bpf_stats=False):
        """A fresh server under load. attach_endpoint: `autotel attach` runs on it, exporting
        there; empty_uprobes: file offsets of binary where an empty BPF program runs instead;
        profile_to: perf records the server over the measured requests into that file;
        bpf_stats: the kernel times the agent's BPF programs over them."""
        server, port = self.start_server(binary, env_extra)
        agent = None
        try:
            if attach_endpoint is not None:
                agent = self.start_agent(server.pid, attach_endpoint)
            with bpf.empty_uprobes(binary, empty_uprobes, server.pid) if empty_uprobes else contextlib.nullcontext():
                return self.load(server, port, requests, agent, profile_to, bpf_stats)
        finally:
            stop(agent, signal.SIGINT)
            stop(server)

    def load(self, server, port, requests, agent, profile_to=None, bpf_stats=False):
        """Warm-up, then the measured requests: loadgen's figures, the server's CPU per request
        and memory; under attach, the agent's CPU, and with bpf_stats the run counts and run
        times of its BPF programs (kernel.bpf_stats_enabled for the measured requests); with
        profile_to, where the server's CPU went (bench/cpuprofile.py)."""
        url = f"http://127.0.0.1:{port}/items/42"
        lg = str(self.bin / "loadgen")
        c = str(self.cfg["rt_concurrency"])
        run([lg, "run", "-url", url, "-n", str(self.cfg["rt_warmup"]), "-c", c, "-warmup", "0"])
        stats = bpf_stats and agent is not None and bpf.missing() is None
        recording = cpuprofile.Recording(server.pid, profile_to) if profile_to else contextlib.nullcontext()
        with bpf.stats_enabled() if stats else contextlib.nullcontext(), recording:
            programs0 = bpf.program_counters(agent.pid) if stats else None
            cpu0 = proc_cpu_s(server.pid)
            agent_cpu0 = proc_cpu_s(agent.pid) if agent else None
            res = json.loads(run([lg, "run", "-url", url, "-n", str(requests), "-c", c, "-warmup", "0"]).stdout)
            res["cpu_us_per_req"] = (proc_cpu_s(server.pid) - cpu0) / requests * 1e6
            if agent:
                res["agent_cpu_us_per_req"] = (proc_cpu_s(agent.pid) - agent_cpu0) / requests * 1e6
            if stats:
                res["bpf"] = programs_per_request(programs0, bpf.program_counters(agent.pid), requests)
        res["rss_mib"], res["peak_rss_mib"] = proc_mem_mib(server.pid)
        if profile_to:
            res["profile"] = cpuprofile.summary(profile_to)
        return res

    def attach_uprobe_offsets(self, binary, endpoint):
        """The file offsets of the uprobes `autotel attach` puts on binary, read from a short
        attach to a server that gets no requests."""
        server, _ = self.start_server(binary, {})
        agent = None
        try:
            agent = self.start_agent(server.pid, endpoint)
            return sorted({off for p in bpf.program_counters(agent.pid).values() for _, off in p["uprobes"]})
        finally:
            stop(agent, signal.SIGINT)
            stop(server)

    def start_agent(self, pid, endpoint):
        log_path = self.work / "attach.log"
        f = open(log_path, "w")
        agent = subprocess.Popen([str(self.autotel), "attach", "--pid", str(pid)], stdout=f, stderr=subprocess.STDOUT,
                                 env=clean_env(OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, OTEL_SERVICE_NAME="bench-b"))
        deadline = time.time() + 60
        while time.time() < deadline:
            if agent.poll() is not None:
                raise RuntimeError(f"autotel attach exited: {log_path.read_text()[-2000:]}")
            if "uprobes) on" in log_path.read_text():
                return agent
            time.sleep(0.1)
        stop(agent, signal.SIGINT)
        raise RuntimeError("autotel attach did not report its probes within 60 s")

    def section_runtime(self):
        bins = self.runtime_binaries()
        collector, endpoint = self.start_collector()
        section = {"requests": self.cfg["rt_requests"], "concurrency": self.cfg["rt_concurrency"], "skipped": {}}
        self.results["sections"]["runtime"] = section
        try:
            variants = self.runtime_variants(bins, endpoint, section)
            section["rounds"] = self.runtime_rounds(variants, section["skipped"])
            if ATTACH in variants and ATTACH not in section["skipped"] and bpf.missing() is None:
                section["bpf_rounds"] = self.runtime_bpf_rounds(variants[ATTACH])
            if cpuprofile.missing() is None:
                section["profiles"] = self.runtime_profiles(variants, section["skipped"])
            else:
                section["profiles_skipped"] = cpuprofile.missing()
        finally:
            stop(collector, signal.SIGINT)

    def runtime_variants(self, bins, endpoint, section):
        """{variant: (binary, environment, attach's OTLP endpoint, offsets of empty uprobes)};
        as root on x86-64, also measures the cost of a uprobe hit into section."""
        ep = {"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint}
        variants = {
            "plain": (bins["plain"], {}, None, ()),
            "autotel, sampling on": (bins["autotel"], ep, None, ()),
            "autotel, sampling off": (bins["autotel"], dict(ep, OTEL_TRACES_SAMPLER="always_off"), None, ()),
            "autotel, OTEL_SDK_DISABLED": (bins["autotel"], dict(ep, OTEL_SDK_DISABLED="true"), None, ()),
            "otelhttp by hand": (bins["hand"], ep, None, ()),
        }
        skipped = section["skipped"]
        if os.geteuid() == 0:
            variants[ATTACH] = (bins["plain"], {}, endpoint, ())
        else:
            skipped[ATTACH] = "not root"
        if bpf.missing() is not None:
            section["bpf_stats_skipped"] = bpf.missing()
            return variants
        if platform.machine() == "x86_64":
            section["uprobe_hit"] = self.uprobe_hit_cost()
        # The traps alone: attach's uprobes, each running an empty program instead of attach's.
        try:
            variants[EMPTY_UPROBES] = (bins["plain"], {}, None, self.attach_uprobe_offsets(bins["plain"], endpoint))
        except RuntimeError as e:
            skipped[EMPTY_UPROBES] = str(e).splitlines()[0][:300]
        return variants

    def runtime_rounds(self, variants, skipped):
        """{variant: [one measurement per round]}, the order of the variants rotating by round."""
        rows = {v: [] for v in variants}
        for r in range(self.cfg["rt_rounds"]):
            for v in rotated(variants, r):
                if v in skipped:
                    continue
                binary, extra, attach, probes = variants[v]
                try:
                    res = self.measure_server(binary, extra, self.cfg["rt_requests"], attach, probes)
                except (RuntimeError, OSError) as e:
                    skipped[v] = str(e).splitlines()[0][:300]
                    log(f"  {v}: skipped: {skipped[v]}")
                    continue
                rows[v].append(res)
                log(f"  r{r} {v}: {res['rps']:.0f} req/s p50 {res['p50_us']:.0f}us p99 {res['p99_us']:.0f}us "
                    f"cpu {res['cpu_us_per_req']:.1f}us/req rss {res['rss_mib']:.1f}MiB")
        return rows

    def runtime_bpf_rounds(self, variant):
        """Extra rounds of attach with the kernel timing its BPF programs (bpf_stats), apart from
        the measured rounds: the statistics add two clock reads to every program run, which
        the measured rounds' figures should not carry."""
        binary, extra, attach, probes = variant
        rounds = []
        for r in range(self.cfg["rt_bpf_rounds"]):
            res = self.measure_server(binary, extra, self.cfg["rt_requests"], attach, probes, bpf_stats=True)
            rounds.append(res)
            log(f"  bpf r{r}: " + ", ".join(f"{n} {p['ns_per_req']:.0f} ns/req" for n, p in res.get("bpf", {}).items()))
        return rounds

    def runtime_profiles(self, variants, skipped):
        """{variant: one more round, with the server's CPU profile}: an extra round, not a measured
        one, so that perf's sampling does not touch the figures of the table."""
        profiles = {}
        for v, (binary, extra, attach, probes) in variants.items():
            if v in skipped:
                continue
            res = self.measure_server(binary, extra, self.cfg["rt_requests"], attach, probes,
                                      profile_to=self.work / f"runtime-{re.sub(r'[^a-z]+', '-', v.lower())}.perf.data")
            profiles[v] = {"cpu_us_per_req": res["cpu_us_per_req"], **res["profile"]}
            top = ", ".join(f"{c} {p:.0f}%" for c, p in sorted(res["profile"]["categories"].items(), key=lambda x: -x[1])[:3])
            log(f"  profile {v}: {res['cpu_us_per_req']:.1f}us/req; {top}")
        return profiles

    def uprobe_hit_cost(self):
        """What one uprobe hit running an empty BPF program costs here, at each kind of
        instruction of bench/uprobecost's Work (see uprobe_points): per round, ns per call of
        Work with one probe minus ns per call with none."""
        binary = self.bin / "uprobecost"
        run(["go", "build", "-o", str(binary), "."], cwd=BENCH / "uprobecost", env=clean_env())
        points = uprobe_points(binary)
        n = self.cfg["uprobe_calls"]
        rounds = []
        for _ in range(self.cfg["uprobe_rounds"]):
            base = uprobe_ns_per_call(binary, n, None)
            rounds.append({role: uprobe_ns_per_call(binary, n, bpf.file_offset(binary, p["address"])) - base
                           for role, p in points.items()})
            log("  uprobe hit: " + ", ".join(f"{role} {ns:.0f} ns" for role, ns in rounds[-1].items()))
        return {"calls": n, "points": points, "rounds": rounds}

    # --------------------------------------------------------------- outage
    def section_outage(self):
        bins = self.runtime_binaries()
        collector, endpoint = self.start_collector()
        hole_port = free_port()
        hole = subprocess.Popen([str(self.bin / "loadgen"), "blackhole", "-listen", f"127.0.0.1:{hole_port}"],
                                stdout=subprocess.DEVNULL)
        closed_port = free_port()  # nothing listens there once free_port has closed it
        variants = {
            "collector up": endpoint,
            "collector down (closed port)": f"http://127.0.0.1:{closed_port}",
            "collector hanging (accepts, never answers)": f"http://127.0.0.1:{hole_port}",
        }
        rows = {v: [] for v in variants}
        try:
            wait_port(hole_port, hole)
            for r in range(self.cfg["outage_rounds"]):
                for v in rotated(variants, r):
                    res = self.measure_server(bins["autotel"], {"OTEL_EXPORTER_OTLP_ENDPOINT": variants[v]},
                                              self.cfg["outage_requests"])
                    rows[v].append(res)
                    log(f"  r{r} {v}: {res['rps']:.0f} req/s p99 {res['p99_us']:.0f}us rss {res['rss_mib']:.1f}MiB")
        finally:
            stop(collector, signal.SIGINT)
            stop(hole)
        self.results["sections"]["outage"] = {"requests": self.cfg["outage_requests"], "rounds": rows}

    # --------------------------------------------------------- attach-start
    def section_attach_start(self):
        """Per round, for each target and for an idle and a loaded machine: seconds from starting
        `autotel attach -v --pid` on a fresh caddy to the line saying tracing began, with the
        step times attach prints with -v."""
        section = {"package": START_PACKAGE, "version": START_VERSION, "skipped": None}
        self.results["sections"]["attach-start"] = section
        if os.geteuid() != 0:
            section["skipped"] = "not root"
            return
        targets = {}
        for name, flags in START_TARGETS.items():
            gobin = self.work / "start" / str(len(targets))
            run(["go", "install", *flags, f"{START_PACKAGE}@{START_VERSION}"], cwd=self.work,
                env=clean_env(GOBIN=gobin, GOFLAGS="-mod=mod"))
            targets[name] = gobin / "caddy"
        section["sizes_bytes"] = {n: b.stat().st_size for n, b in targets.items()}
        rows = {f"{n}, {machine}": [] for n in targets for machine in ("idle", "loaded")}
        for r in range(self.cfg["start_rounds"]):
            for machine in ("idle", "loaded"):
                with busy_cores() if machine == "loaded" else contextlib.nullcontext():
                    for n, binary in targets.items():
                        res = self.attach_start(binary)
                        rows[f"{n}, {machine}"].append(res)
                        log(f"  r{r} {n}, {machine}: probes in after {res['wall_s']:.2f}s ({res['steps']})")
        section["rounds"] = rows

    def attach_start(self, binary):
        """One start of attach on a fresh caddy: wall seconds until its tracing line, and the
        step times of its -v line."""
        port = free_port()
        target = subprocess.Popen([str(binary), "respond", "--listen", f"127.0.0.1:{port}", "ok"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=clean_env())
        agent = None
        try:
            wait_port(port, target)
            log_path = self.work / "attach-start.log"
            with open(log_path, "w") as f:
                t0 = time.perf_counter()
                agent = subprocess.Popen([str(self.autotel), "attach", "-v", "--pid", str(target.pid)], stdout=f,
                                         stderr=subprocess.STDOUT, env=clean_env(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9"))
                while "uprobes) on" not in log_path.read_text():
                    if agent.poll() is not None or time.perf_counter() - t0 > 120:
                        raise RuntimeError(f"autotel attach did not start: {log_path.read_text()[-2000:]}")
                    time.sleep(0.01)
                wall = time.perf_counter() - t0
            text = log_path.read_text()
            steps = next((l.split("start: ", 1)[1] for l in text.splitlines() if "start: " in l), "")
            probes = re.search(r"(\d+) probes \((\d+) uprobes\)", text)
            return {"wall_s": wall, "steps": steps, "probes": int(probes[1]), "uprobes": int(probes[2])}
        finally:
            stop(agent, signal.SIGINT)
            stop(target)

    # ---------------------------------------------------------------- main
    def machine(self):
        def first(path, key):
            try:
                for line in open(path):
                    if line.startswith(key):
                        return line.split(":", 1)[1].strip()
            except OSError:
                return None

        mem_kib = first("/proc/meminfo", "MemTotal")
        return {
            "cpu": first("/proc/cpuinfo", "model name"),
            "cores": os.cpu_count(),
            "memory_gib": round(int(mem_kib.split()[0]) / 1024 / 1024, 1) if mem_kib else None,
            "kernel": platform.release(),
            "os": _os_release(),
            "go": run(["go", "version"], env=clean_env()).stdout.strip(),
            "rustc": run(["rustc", "--version"]).stdout.strip(),
            "autotel": run([str(self.autotel), "--version"], check=False).stdout.strip(),
            "autotel_binary": f"{self.autotel} (modified {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(self.autotel.stat().st_mtime))})"
            if self.autotel.exists() else None,
            "load_average_at_start": os.getloadavg(),
            "git_commit": run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, check=False).stdout.strip(),
            "git_dirty": bool(run(["git", "status", "--porcelain"], cwd=REPO, check=False).stdout.strip()),
        }

    def main(self):
        started = time.time()
        self.results["started_utc"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(started))
        self.results["command"] = "bench/run " + " ".join(sys.argv[1:])
        self.results["machine"] = self.machine()
        self.setup()
        for name in self.args.only or SECTIONS:
            log(f"== {name}")
            t0 = time.perf_counter()
            getattr(self, f"section_{name.replace('-', '_')}")()
            self.results["durations_s"][name] = time.perf_counter() - t0
        self.results["machine"]["load_average_at_end"] = os.getloadavg()
        self.results["durations_s"]["total"] = time.time() - started
        out = Path(self.args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps(self.results, indent=1) + "\n")
        import report
        report.write(self.results, out)
        log(f"done in {self.results['durations_s']['total']:.0f}s: {out / 'REPORT.md'}")
        if not self.args.keep_work and not self.args.work:
            shutil.rmtree(self.work, ignore_errors=True)


@contextlib.contextmanager
def busy_cores():
    """Two busy-looping processes per core for the duration: a loaded machine."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2 * (os.cpu_count() or 1))]
    try:
        yield
    finally:
        for p in procs:
            stop(p)


def programs_per_request(before, after, requests):
    """Per BPF program that ran between the two counter snapshots (bpf.program_counters): its
    uprobes, how many of them are on an instruction the kernel single-steps (None off x86-64),
    and its runs (uprobe hits, for a uprobe program) and run time per request."""
    names = bpf.program_names(set(after))
    out = {}
    for prog_id, a in after.items():
        b = before.get(prog_id, {"run_cnt": 0, "run_time_ns": 0})
        runs = a["run_cnt"] - b["run_cnt"]
        if runs <= 0:
            continue
        stepped = None
        if platform.machine() == "x86_64":
            stepped = sum(bpf.single_stepped(bpf.code_at(path, off)) for path, off in a["uprobes"])
        out[names.get(prog_id, f"id {prog_id}")] = {
            "uprobes": len(a["uprobes"]), "single_stepped": stepped, "runs_per_req": runs / requests,
            "ns_per_req": (a["run_time_ns"] - b["run_time_ns"]) / requests}
    return out


# Where bench/uprobecost's Work gets a probe (x86-64): (role, test on the instruction's assembly
# and its index in the function). The function entry and the returns are where attach's probes sit; the
# others are the other instructions of Go's usual prologue.
UPROBE_ROLES = [
    ("function entry", lambda asm, i: i == 0),
    ("stack-check branch", lambda asm, i: asm.startswith("J") and not asm.startswith("JMP")),
    ("frame-pointer push", lambda asm, i: asm.startswith("PUSHQ")),
    ("return", lambda asm, i: asm.startswith("RET")),
]


def uprobe_points(binary):
    """{role: {"address", "instruction", "single_stepped"}}: the first instruction of Work that
    plays each role of UPROBE_ROLES, from `go tool objdump`."""
    text = run(["go", "tool", "objdump", "-s", r"^main\.Work$", str(binary)], env=clean_env()).stdout
    insns = [line.split("\t") for line in text.splitlines() if line.startswith("  ")]
    insns = [[field for field in fields if field] for fields in insns]  # location, address, bytes, assembly
    points = {}
    for role, test in UPROBE_ROLES:
        _, addr, code, asm = next(f for i, f in enumerate(insns) if test(f[3].strip(), i))
        points[role] = {"address": int(addr, 16), "instruction": asm.strip(),
                        "single_stepped": bpf.single_stepped(bytes.fromhex(code))}
    return points


def uprobe_ns_per_call(binary, n, offset):
    """ns per call of uprobecost's Work over n calls, with an empty BPF program on a uprobe at
    the file offset (None: no probe)."""
    p = subprocess.Popen([str(binary), "-n", str(n)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        with bpf.empty_uprobes(binary, [offset], p.pid) if offset is not None else contextlib.nullcontext():
            out, _ = p.communicate("go\n", timeout=300)
    finally:
        stop(p)
    if p.returncode != 0:
        raise RuntimeError(f"{binary} failed ({p.returncode})")
    return json.loads(out)["ns_per_call"]


def _os_release():
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        return None


def parse_args(argv):
    p = argparse.ArgumentParser(prog="bench/run", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--quick", action="store_true",
                   help="one or two rounds, demo app only, no cold builds (default Go build cache); "
                        "for CI, to keep the suite working, not for numbers")
    p.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    p.add_argument("--out", help="where REPORT.md, results.json and plots/ go "
                                 "(default: bench/ for a full run, bench/quick/ for --quick)")
    p.add_argument("--autotel", help="use this autotel binary instead of building target/release/autotel")
    p.add_argument("--work", help="scratch directory (default: a fresh temporary one, removed afterwards)")
    p.add_argument("--keep-work", action="store_true", help="keep the scratch directory")
    args = p.parse_args(argv)
    if args.out is None:
        args.out = str(BENCH / "quick") if args.quick else str(BENCH)
    return args


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH))
    Suite(parse_args(sys.argv[1:])).main()
