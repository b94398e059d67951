"""Where a server's CPU goes: a sampling profile of one process with perf(1), summed by kind of code.

bench.py's runtime section profiles each variant's server for one extra round of requests (not one
of the measured rounds: perf's sampling costs a little). `perf record -F FREQ -p PID` samples user
and kernel stacks' leaf functions; `perf report --no-children` gives each function's share of the
samples (its own time, not its callees'), and `category` sorts the functions into the kinds of code
the Runtime section compares: the HTTP server itself, the Go runtime's allocation and garbage
collection, the OpenTelemetry SDK, autotel's hooks and OTLP export, the kernel's network path and
its uprobe traps.
"""

import re
import shutil
import signal
import subprocess

FREQ = 1999  # samples per second per CPU: under 1% of a core for perf's own work here

# (category, pattern over "dso symbol"), first match wins; patterns are searched, not anchored.
CATEGORIES = [
    # irqentry_exit_to_user_mode is the return from every trap and interrupt; without uprobes
    # (plain) it is under 1% of the samples, under attach it is mostly the breakpoint's.
    ("kernel: uprobe traps and BPF programs",
     r"^\[kernel\S*\] .*(uprobe|swbp|singlestep|int3|exc_debug|xol|bpf_|__bpf|irqentry_exit_to_user_mode|"
     r"copy_from_user_nofault)"),
    ("kernel: network, syscalls, scheduling", r"^\[kernel\S*\] |^\[vdso\] "),
    ("Go runtime: garbage collection",
     r" (runtime\.(gc|mark|scan|greyobject|findObject|wbBuf|bulkBarrier|heapBits|typePointers|spanOf|"
     r"sweep|bgsweep|tryDefer|newMarkBits|\(\*gcWork\)|\(\*gcControllerState\)|\(\*spanSet\)|"
     r"\(\*mspan\)\.(sweep|mark|typePointers)|\(\*gcBits\)|\(\*sweepLocked\)|wbMove|shade|gcWriteBarrier|"
     r"\(\*mheap\)\.reclaim)|internal/runtime/gc/)"),
    ("Go runtime: allocation",
     r" runtime\.(mallocgc|newobject|makeslice|growslice|makemap|nextFreeFast|memclrNoHeapPointers|"
     r"\(\*mcache\)|\(\*mcentral\)|\(\*mheap\)|\(\*mspan\)|heapSetType|publicationBarrier|rawstring|"
     r"rawbyteslice|concatstring|slicebytetostring|convT|deductAssistCredit)"),
    ("Go runtime: maps and hashing",
     r" (runtime\.(map|memhash|strhash|typehash|nilinterhash|interhash|efaceHash)|internal/runtime/maps\.|aeshash)"),
    ("Go runtime: copies and byte search", r" (runtime\.(memmove|memequal)|indexbytebody|memeqbody|cmpbody|countbody)"),
    ("Go runtime: scheduler, locks, syscalls", r" (runtime|internal/runtime|internal/abi|internal/bytealg|sync/atomic)[./]"),
    ("autotel: OTLP encoding and export", r" autotel\.dev/go/(sdk|internal/otlp)\."),
    ("autotel: hooks, api, goroutine-local context", r" autotel\.dev/go/"),
    ("otelhttp (hand-written instrumentation)", r" go\.opentelemetry\.io/contrib/"),
    ("official OTLP exporters, protobuf, grpc",
     r" (go\.opentelemetry\.io/(otel/exporters|proto)|google\.golang\.org/(protobuf|grpc|genproto))"),
    ("OpenTelemetry SDK and API", r" go\.opentelemetry\.io/otel"),
    ("net/http, net, bufio, io", r" (net/http|net/textproto|net|bufio|io|mime|internal/poll|syscall)[./]"),
    ("the application (package main)", r" main\."),
    ("Go standard library: other",
     r" (strconv|fmt|sync|time|strings|bytes|context|sort|slices|maps|reflect|errors|unicode|math|"
     r"compress|encoding|hash|crypto|log|os|path|regexp|internal|container|iter|unique|weak|cmp)[./]"),
]
OTHER = "other (unresolved)"
_COMPILED = [(name, re.compile(p)) for name, p in CATEGORIES]


def missing():
    """None when perf(1) can profile here, else why not."""
    if shutil.which("perf") is None:
        return "perf is not installed (Debian package linux-perf)"
    return None


def category(dso, symbol):
    """The kind of code of a sampled function (dso as perf names it: `[kernel.kallsyms]`, the binary's name)."""
    key = f"{dso} {symbol}"
    for name, pattern in _COMPILED:
        if pattern.search(key):
            return name
    return OTHER


class Recording:
    """`perf record` on pid while the with-block runs, into path."""

    def __init__(self, pid, path):
        self.pid, self.path = pid, path

    def __enter__(self):
        self.proc = subprocess.Popen(["perf", "record", "-q", "-F", str(FREQ), "-p", str(self.pid), "-o", str(self.path)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGINT)
        _, err = self.proc.communicate(timeout=60)
        if self.proc.returncode not in (0, -signal.SIGINT):
            raise RuntimeError(f"perf record exited {self.proc.returncode}: {err.decode(errors='replace')[-500:]}")
        return False


def functions(path):
    """[(share of samples in %, dso, symbol)] of the recording, each function's own time."""
    out = subprocess.run(["perf", "report", "-i", str(path), "--stdio", "--no-children", "--sort", "dso,sym",
                          "--percent-limit", "0", "-g", "none"], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[[.kgu]\]\s+(.*\S)", line)
        if m:
            rows.append((float(m.group(1)), m.group(2), m.group(3)))
    return rows


def summary(path, top=8):
    """{"categories": {category: share %}, "top": [[share %, category, symbol]...]} of a recording."""
    rows = functions(path)
    cats = {}
    for share, dso, sym in rows:
        c = category(dso, sym)
        cats[c] = cats.get(c, 0.0) + share
    ranked = sorted(rows, reverse=True)[:top]
    return {"categories": cats, "top": [[share, category(dso, sym), sym] for share, dso, sym in ranked]}
