"""What the benchmark asks of the kernel's BPF subsystem (Linux, root): the run-time statistics
(bpf_stats) of the BPF programs a process holds, and an empty BPF program on a uprobe, to time
one uprobe hit.

Program ids, run counts, run times and uprobe attach points come from /proc/PID/fdinfo; program
names from `bpftool` (Debian package bpftool), the only place that keeps names longer than the
kernel's 15 characters. The empty program is loaded and attached through bpf(2) and
perf_event_open(2) with ctypes, the way libbpf attaches attach mode's own uprobes (a perf event
of the uprobe PMU with the program set on it), so the benchmark needs nothing beyond Python's
standard library and bpftool.
"""

import contextlib
import ctypes
import json
import os
import platform
import shutil
import struct
import subprocess
from pathlib import Path

STATS_SYSCTL = Path("/proc/sys/kernel/bpf_stats_enabled")
UPROBE_PMU_TYPE = Path("/sys/bus/event_source/devices/uprobe/type")
SYSCALLS = {"x86_64": {"bpf": 321, "perf_event_open": 298}, "aarch64": {"bpf": 280, "perf_event_open": 241}}
BPF_PROG_LOAD = 5
BPF_PROG_TYPE_KPROBE = 2
PERF_EVENT_IOC_ENABLE = 0x2400
PERF_EVENT_IOC_SET_BPF = 0x40042408
PERF_FLAG_FD_CLOEXEC = 1 << 3
# r0 = 0; exit
EMPTY_PROGRAM = struct.pack("<BBhi", 0xB7, 0, 0, 0) + struct.pack("<BBhi", 0x95, 0, 0, 0)

_libc = ctypes.CDLL(None, use_errno=True)


def missing():
    """Why program statistics cannot be read here, or None."""
    if os.geteuid() != 0:
        return "not root"
    if not STATS_SYSCTL.exists():
        return f"no {STATS_SYSCTL}"
    if shutil.which("bpftool") is None:
        return "no bpftool (Debian package bpftool)"
    if platform.machine() not in SYSCALLS:
        return f"unsupported machine {platform.machine()}"
    return None


@contextlib.contextmanager
def stats_enabled():
    """kernel.bpf_stats_enabled=1 inside the block; its previous value afterwards."""
    before = STATS_SYSCTL.read_text().strip()
    STATS_SYSCTL.write_text("1\n")
    try:
        yield
    finally:
        STATS_SYSCTL.write_text(before + "\n")


def _fdinfo(pid):
    """The key/value pairs of each of pid's file descriptors, skipping those that went away."""
    for fd in Path(f"/proc/{pid}/fdinfo").iterdir():
        try:
            text = fd.read_text()
        except OSError:
            continue
        yield dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def program_counters(pid):
    """{program id: {"run_cnt", "run_time_ns", "uprobes"}} for every BPF program pid holds;
    uprobes lists the (file, offset) of each uprobe that runs the program."""
    progs, uprobes = {}, {}
    for info in _fdinfo(pid):
        prog_id = int(info.get("prog_id", "0"))
        if not prog_id:
            continue
        if "run_cnt" in info:
            progs[prog_id] = {"run_cnt": int(info["run_cnt"]), "run_time_ns": int(info["run_time_ns"])}
        elif info.get("event_type", "").strip() == "uprobe":
            uprobes.setdefault(prog_id, []).append((info["name"].strip(), int(info["offset"], 16)))
    for prog_id, p in progs.items():
        p["uprobes"] = uprobes.get(prog_id, [])
    return progs


def single_stepped(code):
    """Whether a uprobe on the x86-64 instruction starting with the bytes code makes the kernel
    single-step it out of line (a second trap, #DB) rather than emulate it. Emulated, in
    arch/x86/kernel/uprobes.c: relative jumps, conditional jumps and calls, one-byte nop, and
    push of a general register; everything else (cmp, mov, pop, ret, ...) is single-stepped."""
    op = code[0]
    if op in (0xE8, 0xE9, 0xEB, 0x90) or 0x50 <= op <= 0x57 or 0x70 <= op <= 0x7F:
        return False
    if op == 0x0F and 0x80 <= code[1] <= 0x8F:
        return False
    return not (op == 0x41 and 0x50 <= code[1] <= 0x57)


def code_at(path, offset, n=2):
    """The n bytes at a file offset (an instruction a uprobe is on)."""
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(n)


def program_names(ids):
    """{program id: name} for the given ids, from bpftool (full names, not the kernel's 15
    characters)."""
    out = subprocess.run(["bpftool", "--json", "prog", "show"], check=True, text=True, capture_output=True).stdout
    return {p["id"]: p.get("name", f"id {p['id']}") for p in json.loads(out) if p["id"] in ids}


def _syscall(name, *args):
    ret = _libc.syscall(SYSCALLS[platform.machine()][name], *args)
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{name}: {os.strerror(err)}")
    return ret


def _load_empty_program():
    insns = ctypes.create_string_buffer(EMPTY_PROGRAM)
    license = ctypes.create_string_buffer(b"GPL")
    attr = ctypes.create_string_buffer(struct.pack(
        "<IIQQIIQII16s", BPF_PROG_TYPE_KPROBE, len(EMPTY_PROGRAM) // 8, ctypes.addressof(insns),
        ctypes.addressof(license), 0, 0, 0, 0, 0, b"bench_empty"))
    return _syscall("bpf", BPF_PROG_LOAD, attr, len(attr.raw))


def _open_uprobe(path, offset, pid):
    path_buf = ctypes.create_string_buffer(os.fsencode(path))
    pmu = int(UPROBE_PMU_TYPE.read_text())
    # perf_event_attr up to config2 (type, size, config, sample_period, sample_type,
    # read_format, flags, wakeup_events, bp_type, config1 = path, config2 = offset), zero-padded
    # to PERF_ATTR_SIZE_VER5.
    head = struct.pack("<IIQQQQQIIQQ", pmu, 112, 0, 0, 0, 0, 0, 0, 0, ctypes.addressof(path_buf), offset)
    attr = ctypes.create_string_buffer(head.ljust(112, b"\0"))
    return _syscall("perf_event_open", attr, ctypes.c_int(pid), ctypes.c_int(-1), ctypes.c_int(-1),
                    ctypes.c_ulong(PERF_FLAG_FD_CLOEXEC))


@contextlib.contextmanager
def empty_uprobes(path, offsets, pid):
    """An empty BPF program runs at each file offset of path, in process pid, inside the block."""
    prog = _load_empty_program()
    events = []
    try:
        for off in offsets:
            events.append(_open_uprobe(path, off, pid))
            if _libc.ioctl(events[-1], PERF_EVENT_IOC_SET_BPF, prog) or _libc.ioctl(events[-1], PERF_EVENT_IOC_ENABLE, 0):
                raise OSError(ctypes.get_errno(), f"attaching the empty program at {path}+{off:#x}")
        yield
    finally:
        for fd in events:
            os.close(fd)
        os.close(prog)


def file_offset(path, vaddr):
    """The file offset of virtual address vaddr in ELF executable path (from its PT_LOAD
    segments), as uprobes want it."""
    with open(path, "rb") as f:
        ident = f.read(64)
        phoff, = struct.unpack_from("<Q", ident, 32)
        phentsize, phnum = struct.unpack_from("<HH", ident, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", table, i * phentsize)
        if p_type == 1 and p_vaddr <= vaddr < p_vaddr + p_filesz:
            return vaddr - p_vaddr + p_offset
    raise ValueError(f"{vaddr:#x} is in no loadable segment of {path}")
