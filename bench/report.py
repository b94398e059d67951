"""Turns results.json (written by bench.py) into REPORT.md and plots/*.svg.

Every number in the report is a median over the rounds of one run; every ratio is the median
of per-round ratios between variants measured back to back in that run (so a load spike from
another process that hits one round hits both sides of its ratio). Targets are from issue 6.
"""

import json
import statistics
import sys
from pathlib import Path

import svg
from bench import ATTACH  # the runtime section's name for the attach variant


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def col(rounds, key):
    return med([r.get(key) for r in rounds])


def paired_diff(a_rounds, b_rounds, key):
    """Median of a[i] - b[i] over the rounds both have."""
    pairs = [(a.get(key), b.get(key)) for a, b in zip(a_rounds, b_rounds)]
    return med([a - b for a, b in pairs if a is not None and b is not None])


def paired_ratios(a_rounds, b_rounds, key):
    """a[i]/b[i] for the rounds both have (each round measured a and b back to back)."""
    pairs = [(a.get(key), b.get(key)) for a, b in zip(a_rounds, b_rounds)]
    return [a / b for a, b in pairs if a is not None and b]


def paired_ratio(a_rounds, b_rounds, key):
    """Median of the per-round ratios a[i]/b[i]."""
    return med(paired_ratios(a_rounds, b_rounds, key))


def ratio_spread(a_rounds, b_rounds, key):
    """The median per-round ratio with the lowest and highest, as `0.84× (0.62–1.05)`: how far
    one round can stray on this machine."""
    ratios = paired_ratios(a_rounds, b_rounds, key)
    if not ratios:
        return "n/a"
    return f"{f(med(ratios), 2, '×')} ({min(ratios):.2f}–{max(ratios):.2f})"


def f(x, digits=2, unit=""):
    if x is None:
        return "n/a"
    return f"{x:,.{digits}f}{unit}"


def verdict(value, limit, higher_is_better=False):
    if value is None:
        return "not measured"
    ok = value >= limit if higher_is_better else value <= limit
    return "**met**" if ok else "**not met**"


class Report:
    def __init__(self, results, out):
        self.r = results
        self.out = out
        self.lines = []
        self.targets = []  # (target, measured, verdict)
        self.plots = []

    def add(self, *lines):
        self.lines.extend(lines)

    def plot(self, name, chart):
        (self.out / "plots").mkdir(parents=True, exist_ok=True)
        (self.out / "plots" / f"{name}.svg").write_text(chart)
        self.plots.append(name)
        self.add(f"![{name}](plots/{name}.svg)", "")

    # ----------------------------------------------------------------- build
    def build(self):
        data = self.r["sections"].get("build")
        if not data:
            return
        self.add("## Build", "")
        apps = {"demo": f"demo service (`{self.r['demo_app']['package']}`, {self.r['demo_app']['deps']} packages)"}
        if "large" in data:
            la = self.r["large_app"]
            apps["large"] = (f"large app (`{la['package']}` {la['version']} from the module proxy, "
                             f"{la['deps']} packages, {la['non_std_deps']} outside std)")
        scenarios = {"cold": "cold (empty GOCACHE and autotel cache)", "warm": "warm, no change",
                     "discard": "warm, no change, `-o /dev/null`", "edit": "warm, one edited file"}
        self.add("Wall time is the median of the rounds (n = rounds); ratios are medians of per-round ratios. "
                 "CPU is user+system of the whole process tree; peak RSS is the largest single process; processes "
                 "are those the machine started during the build (/proc/stat, the machine otherwise idle).", "")
        self.add("| app | scenario | variant | n | wall s | × plain | × hand | CPU s | × plain | peak RSS MiB | × plain | processes |",
                 "|---|---|---|---|---|---|---|---|---|---|---|---|")
        chart_groups, chart_series = [], {}
        for app, rows in data.items():
            for sc, sc_name in scenarios.items():
                for v, per in rows.items():
                    rs = per.get(sc, [])
                    if not rs:
                        continue
                    x_plain = paired_ratio(rs, rows["plain"][sc], "wall_s") if v != "plain" else None
                    x_hand = paired_ratio(rs, rows["hand"][sc], "wall_s") if "hand" in rows and v != "hand" else None
                    cpu_x = paired_ratio(rs, rows["plain"][sc], "cpu_s") if v != "plain" else None
                    rss_x = paired_ratio(rs, rows["plain"][sc], "peak_rss_mib") if v != "plain" else None
                    self.add(f"| {app} | {sc_name} | {v} | {len(rs)} | {f(col(rs, 'wall_s'))} | {f(x_plain)} | {f(x_hand)} "
                             f"| {f(col(rs, 'cpu_s'), 1)} | {f(cpu_x)} | {f(col(rs, 'peak_rss_mib'), 0)} | {f(rss_x)} "
                             f"| {f(col(rs, 'processes'), 0)} |")
                if any(per.get(sc) for per in rows.values()):
                    chart_groups.append(f"{app}: {sc_name.split(' (')[0]}")
                    for v in ("plain", "autotel", "hand"):
                        chart_series.setdefault(v, []).append(col(rows[v][sc], "wall_s") if v in rows else None)
        self.add("")
        for app, rows in data.items():
            for sc, label in (("warm", "warm, no change"), ("discard", "warm, no change, -o /dev/null"), ("edit", "warm, one edited file")):
                if not rows["autotel"].get(sc):
                    continue
                x = paired_ratio(rows["autotel"][sc], rows["plain"][sc], "wall_s")
                self.targets.append((f"{app}: {label} ≤ 1.10× plain go build", f(x, 2, "×"), verdict(x, 1.10)))
        if "hand" in data["demo"] and data["demo"]["hand"]["cold"]:
            x = paired_ratio(data["demo"]["autotel"]["cold"], data["demo"]["hand"]["cold"], "wall_s")
            self.targets.append(("demo: cold build ≤ 1.5× hand-instrumented", f(x, 2, "×"), verdict(x, 1.5)))
        else:
            self.targets.append(("demo: cold build ≤ 1.5× hand-instrumented", "n/a (no cold builds in --quick)", "not measured"))
        self.cold_targets(data)
        self.plot("build_time", svg.bar_chart("Build wall time (median)", "seconds", chart_groups,
                                              [(k, v) for k, v in chart_series.items()], "lower is better"))
        # Sizes: from the last build of each variant.
        self.add("### Binary size", "", "| app | variant | bytes | MiB | × plain | × hand |", "|---|---|---|---|---|---|")
        groups, series = [], {}
        for app, rows in data.items():
            sizes = {v: next((r["size_bytes"] for sc in ("edit", "warm", "cold") for r in reversed(per[sc])), None)
                     for v, per in rows.items()}
            groups.append(app)
            for v, size in sizes.items():
                self.add(f"| {app} | {v} | {size:,} | {f(size / 2**20, 1)} | {f(size / sizes['plain'])} "
                         f"| {f(size / sizes['hand']) if 'hand' in sizes else 'n/a'} |")
            for v in ("plain", "autotel", "hand"):
                series.setdefault(v, []).append(sizes[v] / 2**20 if v in sizes else None)
            if app == "demo":
                x = sizes["autotel"] / sizes["hand"]
                self.targets.append(("demo: binary size ≤ 1.05× hand-instrumented", f(x, 2, "×"), verdict(x, 1.05)))
        self.add("")
        self.plot("binary_size", svg.bar_chart("Binary size", "MiB", groups, list(series.items()), "lower is better"))

    def cold_targets(self, data):
        """Issue 13's cold-build targets: CPU ≤ 1.3× plain on the large app (nothing to instrument
        but net/http) and ≤ 1.5× the hand-instrumented demo; peak RSS ≤ 1.2× plain (here the
        largest process; bench/cold-peak-rss.md measures the whole tree's)."""
        def ratio(app, a, b, key):
            rows = data.get(app, {})
            if not rows.get(a, {}).get("cold") or not rows.get(b, {}).get("cold"):
                return None
            return paired_ratio(rows[a]["cold"], rows[b]["cold"], key)
        for what, x, limit in [
                ("large: cold build CPU ≤ 1.3× plain (issue 13)", ratio("large", "autotel", "plain", "cpu_s"), 1.3),
                ("demo: cold build CPU ≤ 1.5× hand-instrumented (issue 13)", ratio("demo", "autotel", "hand", "cpu_s"), 1.5),
                ("demo: cold peak RSS, largest process, ≤ 1.2× plain (issue 13)", ratio("demo", "autotel", "plain", "peak_rss_mib"), 1.2),
                ("large: cold peak RSS, largest process, ≤ 1.2× plain (issue 13)", ratio("large", "autotel", "plain", "peak_rss_mib"), 1.2)]:
            self.targets.append((what, f(x, 2, "×"), verdict(x, limit)))

    # -------------------------------------------------------------- toolexec
    def toolexec(self):
        t = self.r["sections"].get("toolexec")
        if not t:
            return
        rs = t["rounds"]
        over = col(rs, "overhead_ms")
        self.add("## Idle toolexec overhead", "",
                 f"`autotel toolexec compile …` for a package no rule matches, against running the same tool directly "
                 f"(the tool is `/bin/true` named `compile`, so only the proxy differs): {t['calls_per_round']} calls "
                 f"per round, {len(rs)} rounds, median.", "",
                 "| direct ms/call | through autotel ms/call | overhead ms/call |", "|---|---|---|",
                 f"| {f(col(rs, 'direct_ms'), 3)} | {f(col(rs, 'autotel_ms'), 3)} | {f(over, 3)} |", "")
        self.targets.append(("idle toolexec overhead ≤ 2 ms per package", f(over, 3, " ms"), verdict(over, 2.0)))

    # ------------------------------------------------------------------ hook
    def hook(self):
        h = self.r["sections"].get("hook")
        if not h:
            return
        funcs = sorted({fn for v in h.values() for fn in v})
        self.add("## Cost of a hook", "",
                 "`bench/hookcost`: `target.Add` (enter hook only, no defer), `target.Work` (enter + exit, "
                 "a span when sampled, hooks calling the OpenTelemetry API directly), `target.Call` (the same "
                 "with hooks written as autotel's own: `api.Begin`, `inst.Quiet` first; a root span) and "
                 "`CallInSpan` (`Call` inside the span of `target.Nest`: under always_off its parent is not "
                 "sampled), instrumented by the user rules `bench/hookcost/rules.yaml` with "
                 "`autotel go --rules … test -c`, against plain `go test -c`. Median ns/op of the rounds.", "",
                 "| variant | " + " | ".join(f"{fn} ns/op | {fn} allocs/op" for fn in funcs) + " |",
                 "|---|" + "---|---|" * len(funcs))
        series = []
        for v, per in h.items():
            cells = []
            for fn in funcs:
                rs = per.get(fn, [])
                cells += [f(col(rs, "ns_op")), f(col(rs, "allocs_op"), 0)]
            self.add(f"| {v} | " + " | ".join(cells) + " |")
            series.append((v, [col(per.get(fn, []), "ns_op") for fn in funcs]))
        self.add("")
        self.plot("hook_cost", svg.bar_chart("Cost of an instrumented call (median)", "ns/op", funcs, series, "lower is better"))
        self.hook_targets(h)

    def hook_targets(self, h):
        """Issue 14's targets for a hooked call that records nothing: the enter-only hook (`Add`,
        SDK off and unsampled) and autotel's enter + exit hooks unsampled (`Call` as a root,
        `CallInSpan` below a parent that is not sampled)."""
        def worst(variants, fns):
            rounds = [h.get(v, {}).get(fn, []) for v in variants for fn in fns]
            if not all(rounds):
                return None, None
            return max(col(rs, "ns_op") for rs in rounds), max(r["allocs_op"] for rs in rounds for r in rs)
        for what, variants, fns, limit in [
                ("enter-only hook (Add), SDK off and unsampled", ["off (OTEL_SDK_DISABLED)", "unsampled (always_off)"], ["Add"], 5),
                ("autotel's enter + exit hooks unsampled (Call, CallInSpan)", ["unsampled (always_off)"], ["Call", "CallInSpan"], 50)]:
            ns, allocs = worst(variants, fns)
            ok = ns is not None and ns <= limit and allocs == 0
            self.targets.append((f"{what} ≤ {limit} ns and 0 allocs (issue 14)", f"{f(ns, 1, ' ns')}, {f(allocs, 0)} allocs",
                                 "not measured" if ns is None else "**met**" if ok else "**not met**"))

    # --------------------------------------------------------------- runtime
    def runtime(self):
        rt = self.r["sections"].get("runtime")
        if not rt:
            return
        rows = rt["rounds"]
        self.add("## Runtime", "",
                 f"Demo server (`cmd/b` of nethttp-pair, `GET /items/{{id}}`; the hand variant is `bench/handinst`) under "
                 f"`bench/loadgen` (our closed-loop generator: {rt['concurrency']} keep-alive connections, "
                 f"{rt['requests']:,} requests per round after a warm-up) on loopback; a fresh server process per round; "
                 f"exporting to `autotel view --json` (output to /dev/null). CPU per request is the server's utime+stime "
                 f"from /proc/PID/stat over the measured requests (for attach, the agent's own CPU is given separately). "
                 f"Ratios are medians of per-round ratios against plain; the lowest and highest round's ratio "
                 f"follow in brackets.", "",
                 "| variant | n | req/s | × plain (rounds) | p50 µs | p99 µs | CPU µs/req | RSS MiB | peak RSS MiB |",
                 "|---|---|---|---|---|---|---|---|---|")
        plain = rows.get("plain", [])
        for v, rs in rows.items():
            if not rs:
                continue
            cpu = f(col(rs, "cpu_us_per_req"), 1)
            if any("agent_cpu_us_per_req" in r for r in rs):
                cpu += f" (+{f(col(rs, 'agent_cpu_us_per_req'), 1)} agent)"
            self.add(f"| {v} | {len(rs)} | {f(col(rs, 'rps'), 0)} | {ratio_spread(rs, plain, 'rps')} | "
                     f"{f(col(rs, 'p50_us'), 0)} | {f(col(rs, 'p99_us'), 0)} | {cpu} | {f(col(rs, 'rss_mib'), 1)} | "
                     f"{f(col(rs, 'peak_rss_mib'), 1)} |")
        for v, why in rt.get("skipped", {}).items():
            self.add(f"| {v} | 0 | skipped: {why} | | | | | | |")
        self.add("")
        self.attach_cost(rt, plain)
        self.profiles(rt)
        on, off, hand = rows.get("autotel, sampling on", []), rows.get("autotel, sampling off", []), rows.get("otelhttp by hand", [])
        x = paired_ratio(on, hand, "rps")
        self.targets.append(("throughput, sampling on ≥ 1.00× otelhttp by hand", ratio_spread(on, hand, "rps"), verdict(x, 1.0, True)))
        x = paired_ratio(off, plain, "rps")
        self.targets.append(("throughput, sampling off ≥ 0.97× plain", ratio_spread(off, plain, "rps"), verdict(x, 0.97, True)))
        disabled = rows.get("autotel, OTEL_SDK_DISABLED", [])
        x = paired_ratio(disabled, plain, "rps")
        self.targets.append(("throughput, OTEL_SDK_DISABLED ≥ 0.99× plain (issue 14)", ratio_spread(disabled, plain, "rps"),
                             verdict(x, 0.99, True)))
        ours, theirs = paired_diff(on, plain, "cpu_us_per_req"), paired_diff(hand, plain, "cpu_us_per_req")
        x = ours / theirs if ours is not None and theirs else None
        self.targets.append(("server CPU per sampled request over plain ≤ 0.5× otelhttp's (issue 14)",
                             f"{f(x, 2, '×')} ({f(ours, 1)} µs vs {f(theirs, 1)} µs)", verdict(x, 0.5)))
        attached = rows.get(ATTACH, [])
        x = paired_ratio(attached, plain, "rps")
        self.targets.append(("throughput under attach ≥ 0.85× plain (issue 12)", ratio_spread(attached, plain, "rps"),
                             verdict(x, 0.85, True)))
        names = [v for v, rs in rows.items() if rs]
        self.plot("runtime_throughput", svg.bar_chart("Throughput (median)", "requests/s", names,
                                                      [("req/s", [col(rows[v], "rps") for v in names])], "higher is better"))
        self.plot("runtime_latency", svg.bar_chart("Latency (median of rounds)", "µs", names,
                                                   [("p50", [col(rows[v], "p50_us") for v in names]),
                                                    ("p99", [col(rows[v], "p99_us") for v in names])], "lower is better"))

    def profiles(self, rt):
        """Where each variant's server CPU goes (bench/cpuprofile.py): per kind of code, µs per
        request (the profiled round's CPU per request × the kind's share of the samples)."""
        profiles = rt.get("profiles")
        if not profiles:
            if rt.get("profiles_skipped"):
                self.add(f"The servers were not profiled: {rt['profiles_skipped']}.", "")
            return
        names = list(profiles)
        cats = sorted({c for p in profiles.values() for c in p["categories"]},
                      key=lambda c: -max(p["cpu_us_per_req"] * p["categories"].get(c, 0) / 100 for p in profiles.values()))
        self.add("### Where the server's CPU goes, per variant", "",
                 "One more round per variant after the measured ones, with `perf record -F 1999 -p SERVER` over its "
                 "requests (bench/cpuprofile.py): each function's own samples (`perf report --no-children`), summed by "
                 "the kind of code it belongs to. µs per request = that round's server CPU per request × the kind's "
                 "share of the samples. Attach's agent is another process, not in these figures (the table above "
                 "gives its CPU).", "",
                 "| kind of code | " + " | ".join(names) + " |",
                 "|---|" + "---|" * len(names))
        for c in cats:
            cells = []
            for v in names:
                share = profiles[v]["categories"].get(c)
                cells.append("" if share is None or share < 0.05 else
                             f"{f(profiles[v]['cpu_us_per_req'] * share / 100, 1)} ({share:.0f}%)")
            self.add(f"| {c} | " + " | ".join(cells) + " |")
        self.add("| **server CPU µs/request (profiled round)** | " +
                 " | ".join(f"**{f(profiles[v]['cpu_us_per_req'], 1)}**" for v in names) + " |", "")
        self.add("The functions with the most own time, per variant:", "")
        for v in names:
            top = "; ".join(f"`{sym}` {share:.1f}%" for share, _, sym in profiles[v]["top"][:5])
            self.add(f"- {v}: {top}")
        self.add("")

    def attach_cost(self, rt, plain):
        """Where attach mode's extra server CPU goes: the uprobe traps, the BPF programs' own run
        time (bpf_stats), and the rest."""
        hit = rt.get("uprobe_hit")
        rounds = [r for r in rt.get("bpf_rounds", []) if "bpf" in r]
        if not hit and not rounds:
            if rt.get("bpf_stats_skipped"):
                self.add(f"Attach mode's BPF program statistics were not measured: {rt['bpf_stats_skipped']}.", "")
            return
        self.add("### Attach mode: where the server's CPU goes", "")
        cost = self.uprobe_hit_table(hit) if hit else {}
        if rounds:
            bpf_ns, trap_estimate_us = self.bpf_program_table(rounds, cost)
            self.attach_summary(rt["rounds"], plain, bpf_ns / 1000, trap_estimate_us)

    def attach_summary(self, rows, plain, bpf_us, trap_estimate_us):
        """The server's extra CPU per request under attach, split into the uprobe traps (measured
        with attach's uprobes running empty programs, else estimated), the BPF programs' run
        time, and what neither accounts for."""
        attach = rows[ATTACH]
        extra = paired_diff(attach, plain, "cpu_us_per_req")
        if extra is None:
            return
        traps = paired_diff(rows.get("attach's uprobes, empty programs", []), plain, "cpu_us_per_req")
        if traps is None:
            traps, how = trap_estimate_us, "estimated: hits × the cost of a hit"
        else:
            how = (f"measured: the variant `attach's uprobes, empty programs` above; hits × the cost of a hit "
                   f"gives {f(trap_estimate_us, 1)} µs")
        rest = extra - traps - bpf_us
        if rest >= 0.05:
            rest_text = f"and {f(rest, 1)} µs neither accounts for"
        elif rest > -0.05:
            rest_text = "and nothing left over"
        else:  # the run times come from other rounds, with the kernel's timing in them
            rest_text = f"together {f(-rest, 1)} µs more than the extra CPU measured (they come from other rounds)"
        self.add(f"Server CPU per request over plain under attach: {f(extra, 1)} µs. Of it, the uprobe traps "
                 f"{f(traps, 1)} µs ({how}), the BPF programs' own run time {f(bpf_us, 1)} µs, {rest_text}. "
                 f"The agent's own CPU, {f(col(attach, 'agent_cpu_us_per_req'), 1)} µs per request, comes on top.", "")

    def uprobe_hit_table(self, hit):
        """The cost of one uprobe hit per probed instruction; returns the median cost (ns) of a
        hit on an instruction the kernel single-steps (True) and on one it emulates (False)."""
        self.add(f"One uprobe hit running an empty BPF program, at instructions of `bench/uprobecost`'s `Work` "
                 f"(Go's usual prologue, one RET): ns per call of `Work` with the probe minus without, "
                 f"{hit['calls']:,} calls, median of {len(hit['rounds'])} rounds. After the breakpoint trap the kernel "
                 f"emulates some instructions (jumps, calls, push, nop) and single-steps the others out of line, "
                 f"which takes a second trap (#DB).", "",
                 "| probe at | instruction | kernel | ns per hit |", "|---|---|---|---|")
        by_kind = {}
        for role, p in hit["points"].items():
            ns = col(hit["rounds"], role)
            kind = "single-steps" if p["single_stepped"] else "emulates"
            self.add(f"| {role} | `{p['instruction']}` | {kind} | {f(ns, 0)} |")
            by_kind.setdefault(p["single_stepped"], []).append(ns)
        self.add("")
        return {kind: med(xs) for kind, xs in by_kind.items()}

    def bpf_program_table(self, rounds, cost):
        """Per BPF program of the agent: uprobe hits and run time per request (bpf_stats), and
        what those hits cost at the per-hit cost of their kind of instruction (cost, from
        uprobe_hit_table). Returns the programs' ns per request and the hits' µs per request."""
        names = sorted({n for r in rounds for n in r["bpf"]},
                       key=lambda n: -col([r["bpf"][n] for r in rounds if n in r["bpf"]], "ns_per_req"))
        self.add(f"The agent's BPF programs, timed by the kernel (kernel.bpf_stats_enabled=1) in {len(rounds)} extra "
                 f"rounds of attach after the measured ones (the statistics add two clock reads to every program run, "
                 f"so the measured rounds run without them); medians. A uprobe program's runs are its uprobes' hits; their trap time is "
                 f"hits × the cost of a hit on the kind of instruction the uprobes are on (table above).", "",
                 "| program | uprobes (single-stepped) | runs/request | BPF ns/run | BPF ns/request | trap µs/request |",
                 "|---|---|---|---|---|---|")
        bpf_ns = trap_us = hits = 0.0
        for n in names:
            rs = [r["bpf"][n] for r in rounds if n in r["bpf"]]
            uprobes, stepped = rs[0]["uprobes"], rs[0]["single_stepped"]
            runs, ns = col(rs, "runs_per_req"), col(rs, "ns_per_req")
            trap = None
            if uprobes and stepped is not None and cost.get(stepped > 0) is not None:
                trap = runs * cost[stepped > 0] / 1000
            where = f"{uprobes} ({'n/a' if stepped is None else stepped})" if uprobes else "none (not a uprobe)"
            self.add(f"| `{n}` | {where} | {f(runs)} | {f(ns / runs, 0)} | {f(ns, 0)} | {f(trap, 1)} |")
            hits += runs if uprobes else 0
            bpf_ns += ns
            trap_us += trap or 0
        self.add(f"| all | | {f(hits)} uprobe hits | | {f(bpf_ns, 0)} | {f(trap_us, 1)} |", "")
        return bpf_ns, trap_us

    # ---------------------------------------------------------------- outage
    def outage(self):
        o = self.r["sections"].get("outage")
        if not o:
            return
        rows = o["rounds"]
        up = rows["collector up"]
        self.add("## Collector outage", "",
                 f"The autotel-built demo server, sampling on, {o['requests']:,} requests per round, exporting to "
                 f"`autotel view` (up), to a closed port (down) or to a listener that accepts and never answers "
                 f"(hanging). Ratios are against the collector-up run of the same round. On a 2-core machine the "
                 f"collector-up run also pays for the receiver's own CPU and the exports, so runs without a working "
                 f"collector can be faster; only degradations count against the 5% target.", "",
                 "| collector | n | req/s | × up | p99 µs | × up | RSS MiB | × up |", "|---|---|---|---|---|---|---|---|")
        worst = 0.0
        for v, rs in rows.items():
            rps_x, p99_x, rss_x = (paired_ratio(rs, up, k) for k in ("rps", "p99_us", "rss_mib"))
            self.add(f"| {v} | {len(rs)} | {f(col(rs, 'rps'), 0)} | {f(rps_x)} | {f(col(rs, 'p99_us'), 0)} | {f(p99_x)} "
                     f"| {f(col(rs, 'rss_mib'), 1)} | {f(rss_x)} |")
            if v != "collector up":
                # Only degradations count: a faster run without a collector hurts nobody.
                worst = max(worst, 1 - (rps_x or 1), (p99_x or 1) - 1, (rss_x or 1) - 1)
        self.add("")
        self.targets.append(("collector down or hanging: throughput, p99 and RSS within 5% of collector up",
                             f"worst {f(worst * 100, 1)}% worse", verdict(worst, 0.05)))
        names = list(rows)
        self.plot("outage", svg.bar_chart("Collector outage: throughput (median)", "requests/s",
                                          [n.split(" (")[0] for n in names],
                                          [("req/s", [col(rows[v], "rps") for v in names])], "higher is better"))

    # --------------------------------------------------------- attach-start
    def attach_start(self):
        st = self.r["sections"].get("attach-start")
        if not st or not st.get("rounds"):
            return
        rows = st["rounds"]
        sizes = "; ".join(f"{n}: {b / 1e6:.0f} MB" for n, b in st["sizes_bytes"].items())
        self.add("## Attach start", "",
                 f"Seconds from starting `autotel attach -v --pid PID` on a fresh `{st['package']}@{st['version']}` "
                 f"(`caddy respond`; built through the module proxy: {sizes}) to the line saying tracing began, "
                 f"measured from outside. Loaded: two busy-looping processes per core for the whole start. The steps "
                 f"are attach's own `-v` line of the median round. Before issue 12's fixes the same start took "
                 f"14–48 s on a loaded machine (`bench/attach-start.md`).", "",
                 "| target, machine | n | probes (uprobes) | probes in, s (median) | max s | attach's steps (median round) |",
                 "|---|---|---|---|---|---|")
        worst = 0.0
        for v, rs in rows.items():
            walls = sorted(r["wall_s"] for r in rs)
            mid = min(rs, key=lambda r: abs(r["wall_s"] - med(walls)))
            worst = max(worst, med(walls))
            self.add(f"| {v} | {len(rs)} | {mid['probes']} ({mid['uprobes']}) | {f(med(walls))} | {f(walls[-1])} "
                     f"| {mid['steps']} |")
        self.add("")
        self.targets.append(("attach: probes in within 2 s on an 80 MB binary, idle and loaded (issue 12)",
                             f"worst median {f(worst)} s", verdict(worst, 2.0)))

    def write(self):
        r = self.r
        body_start = len(self.lines)
        self.build()
        self.toolexec()
        self.hook()
        self.runtime()
        self.outage()
        self.attach_start()
        body = self.lines[body_start:]
        m = r["machine"]
        d = r["durations_s"]
        head = [
            "# autotel benchmarks", "",
            f"Produced by `{r['command']}` (from the repository root) on {r['started_utc']}"
            f"{' — quick mode: one or two rounds, no cold builds; for keeping the suite working, not for numbers' if r['mode'] == 'quick' else ''}.",
            "The raw rounds are in `results.json`; `bench/README.md` says what each section measures and how.", "",
            *[f"Note: {n}" for n in r.get("notes", [])], *([""] if r.get("notes") else []),
            "## Targets (issues 6, 12, 13, 14)", "", "| target | measured | |", "|---|---|---|",
        ]
        head += [f"| {t} | {v} | {ok} |" for t, v, ok in self.targets]
        head += ["", "## Machine", "",
                 f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory_gib']} GiB; kernel {m['kernel']}; {m['os']}",
                 f"- {m['go']}; {m['rustc']}; {m['autotel'] or 'autotel'} (tree at commit {m['git_commit']}"
                 f"{', with uncommitted changes' if m['git_dirty'] else ''}; binary {m.get('autotel_binary') or 'target/release/autotel'})",
                 f"- load average (1, 5, 15 min) at start {', '.join(f'{x:.1f}' for x in m['load_average_at_start'])}, "
                 f"at end {', '.join(f'{x:.1f}' for x in m['load_average_at_end'])}: the machine is shared, so absolute "
                 f"times are noisy; read the same-run ratios.",
                 "- time per section: " + ", ".join(f"{k} {v:.0f} s" for k, v in d.items()), ""]
        (self.out / "REPORT.md").write_text("\n".join(head + body) + "\n")


def write(results, out):
    Report(results, Path(out)).write()


if __name__ == "__main__":
    # Regenerate the report from a results.json: python3 bench/report.py bench/results.json [OUT]
    src = Path(sys.argv[1])
    write(json.loads(src.read_text()), Path(sys.argv[2]) if len(sys.argv) > 2 else src.parent)
