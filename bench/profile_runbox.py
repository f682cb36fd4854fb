#!/usr/bin/env python3
"""Where the time of one `runbox exec -- /bin/true` goes, phase by phase.

Runs the command N times under `perf trace` (syscall tracepoints only, far lighter than strace),
finds fixed markers in each trace (runbox's execve, its first seccomp() and mkdir(), clone3, the
child's cgroup.procs writes, mounts, pivot_root, umount2, the program's execve and exit, the
supervisor's waitid, exit) and prints the median and p90 of each phase. Tracing adds its own
cost, so compare the traced total with an untraced run of bench/exec_bench.py.

Python 3 standard library only; needs root and perf (Debian: linux-perf).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVENTS = "execve,seccomp,mkdir,clone3,clone,write,unshare,mount,pivot_root,umount2,exit_group,wait4,waitid,rmdir"
LINE = re.compile(r"^\s*([0-9.]+|\?) \(\s*(?:([0-9.]+) ms)?\s*\): (\S+)/(\d+) +(.*)$")

PHASES = [
    ("start", "runbox process start: exec, dynamic linking, CLI, policy file"),
    ("seccomp", "seccomp policy compile (libseccomp), cgroup layout probe"),
    ("cgroup", "run cgroups: mkdir in 4 hierarchies, limits, open fds"),
    ("clone3", "clone3: new mount/pid/ipc/uts/net namespaces, CLONE_INTO_CGROUP"),
    ("enter", "child: write \"0\" to 3 v1 cgroup.procs (+ wake-up after clone3)"),
    ("mounts", "child: cgroupns, bind/remount rootfs, tmpfs ×4, proc, pivot_root"),
    ("umount", "child: umount2(old root, MNT_DETACH)"),
    ("prep", "child: hostname, lo up, rlimits, caps, fork program, seccomp load"),
    ("program", "program: execve + run /bin/true to exit"),
    ("reap", "exit: init reaps program, namespaces torn down, supervisor wakes"),
    ("cleanup", "cleanup: cgroup.kill, rmdir ×4, JSON out, exit"),
]


def parse(text: str):
    ev = []
    for line in text.splitlines():
        m = LINE.match(line)
        if not m or m.group(1) == "?":
            continue
        ts, dur, comm, pid, rest = m.groups()
        cont = rest.startswith("... [continued]:")
        if cont:
            rest = rest.split(":", 1)[1].strip()
        name = rest.split("(", 1)[0]
        ev.append({"t": float(ts), "d": float(dur) if dur else None, "comm": comm, "pid": int(pid),
                   "name": name, "rest": rest, "cont": cont})
    # Merge "entry ... " + "[continued]" pairs: keep the continued one (it carries the duration).
    out = []
    for e in ev:
        if e["cont"]:
            for o in reversed(out):
                if o["pid"] == e["pid"] and o["name"] == e["name"] and o["d"] is None:
                    o["d"], o["rest"] = e["d"], e["rest"]
                    break
            else:
                out.append(e)
        else:
            out.append(e)
    out.sort(key=lambda e: e["t"])  # perf merges per-CPU buffers: lines can come out of order
    return out


def ret(e) -> str:
    return e["rest"].rsplit("=", 1)[-1].strip() if "=" in e["rest"] else ""


def phases_of(events) -> dict:
    def end(e):
        """End of a syscall; when perf lost its duration, the start of that pid's next event."""
        if e["d"] is not None:
            return e["t"] + e["d"]
        return next(o["t"] for o in events if o["pid"] == e["pid"] and o["t"] > e["t"])

    first = lambda pid, name, pred=lambda e: True: next(  # noqa: E731
        e for e in events if e["pid"] == pid and e["name"] == name and pred(e))
    ex = next(e for e in events if e["name"] == "execve")
    p = ex["pid"]
    t0 = ex["t"]
    seccomp = first(p, "seccomp")
    mkdir = first(p, "mkdir")
    c3 = first(p, "clone3")
    c = int(ret(c3))
    c3_end = end(c3)
    unshare = first(c, "unshare")
    enter_end = max(end(e) for e in events
                    if e["pid"] == c and e["name"] == "write" and e["t"] < unshare["t"])
    um = first(c, "umount2")
    g_exec = next(e for e in events if e["name"] == "execve" and e["pid"] not in (p, c))
    g = g_exec["pid"]
    g_exit = first(g, "exit_group")
    waitid = first(p, "waitid")
    p_exit = first(p, "exit_group")
    marks = {
        "start": (t0, seccomp["t"]),
        "seccomp": (seccomp["t"], mkdir["t"]),
        "cgroup": (mkdir["t"], c3["t"]),
        "clone3": (c3["t"], c3_end),
        "enter": (c3_end, enter_end),
        "mounts": (unshare["t"], um["t"]),
        "umount": (um["t"], end(um)),
        "prep": (end(um), g_exec["t"]),
        "program": (g_exec["t"], g_exit["t"]),
        "reap": (g_exit["t"], end(waitid)),
        "cleanup": (end(waitid), p_exit["t"]),
    }
    out = {k: b - a for k, (a, b) in marks.items()}
    out["total"] = p_exit["t"] - t0
    out["cgroup_writes"] = [end(e) - e["t"] for e in events
                            if e["pid"] == c and e["name"] == "write" and e["t"] < unshare["t"]]
    return out


def p90(v):
    s = sorted(v)
    return s[max(0, math.ceil(0.9 * len(s)) - 1)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--rootfs", default="/var/lib/runbox/rootfs/python")
    ap.add_argument("--runbox", default=os.path.join(REPO, "build", "daemon", "runbox"))
    ap.add_argument("--keep", help="directory to keep the raw traces in")
    args = ap.parse_args()
    perf = shutil.which("perf")
    if not perf:
        ap.error("perf not found (apt-get install linux-perf)")
    cmd = f"exec {args.runbox} exec --rootfs {args.rootfs} -- /bin/true"
    rows = []
    for i in range(args.warmup + args.runs):
        r = subprocess.run([perf, "trace", "-e", EVENTS, "--", "/bin/sh", "-c", cmd],
                           capture_output=True, text=True)
        if r.returncode != 0 or '"status":"ok"' not in r.stdout:
            print(f"run {i} failed: rc={r.returncode} {r.stdout[:200]} {r.stderr[-500:]}", file=sys.stderr)
            return 1
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            with open(os.path.join(args.keep, f"trace-{i}.txt"), "w") as f:
                f.write(r.stderr)
        if i < args.warmup:
            continue
        try:
            rows.append(phases_of(parse(r.stderr)))
        except (StopIteration, ValueError, TypeError) as e:
            print(f"run {i}: trace not understood ({e!r}); skipped", file=sys.stderr)
    if not rows:
        return 1
    print(f"{len(rows)} traced runs of `runbox exec -- /bin/true` (perf trace; times in ms)\n")
    print("| phase | median ms | p90 ms |")
    print("|---|---:|---:|")
    for key, label in PHASES + [("total", "total, runbox execve to exit (traced)")]:
        v = [r[key] for r in rows]
        print(f"| {label} | {statistics.median(v):.2f} | {p90(v):.2f} |")
    w = [d for r in rows for d in r["cgroup_writes"]]
    if w:
        print(f"\nv1 cgroup.procs writes: {len(w)} writes, median {statistics.median(w):.3f} ms, "
              f"p90 {p90(w):.3f} ms, max {max(w):.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
