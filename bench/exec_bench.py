#!/usr/bin/env python3
"""Per-execution cost of `runbox exec` against baseline tools, in one session, on one rootfs.

Tools (each runs PROGRAM inside the same image rootfs):
  chroot   chroot R PROGRAM
  unshare  unshare --mount --uts --ipc --net --pid --fork --cgroup chroot R PROGRAM
  bwrap    bwrap --unshare-all --ro-bind R / --proc /proc --dev /dev --tmpfs /tmp PROGRAM
  runbox   runbox exec --rootfs R -- PROGRAM          (default limits: every mechanism on)
  docker   docker run --rm --network none IMAGE PROGRAM   (skipped, with the reason, when unusable)

Programs: true (/bin/true), python (python3 -c 'print(1)'), loop (python3 running a ~50 ms loop).

Every run is spawned the same way (os.posix_spawn + waitpid, stdin /dev/null, stdout and stderr
to files opened beforehand) and timed with time.perf_counter around spawn..reap. Every run is
checked: exit status 0 and the program's expected stdout; for runbox the JSON Result must say
status "ok", exit_code 0 and carry the expected stdout. A case with one failed run is reported as
failed, never as a time.

Sequential phase: warm-up runs, then N runs per tool (fewer for docker). By default the tools
are interleaved run by run (order rotated each round; docker's runs spread evenly over the
rounds) so that a change in background load touches every tool alike. Parallel phase, one tool
at a time: W worker processes each run N/W runs at once; runs/s = total runs / (last finish -
first start).

Python 3 standard library only. Needs root (chroot, namespaces, cgroups).
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import json
import math
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_ROOTFS = "/var/lib/runbox/rootfs/python"
DEFAULT_RUNBOX = os.path.join(REPO, "build", "daemon", "runbox")
ALL_TOOLS = ["chroot", "unshare", "bwrap", "runbox", "docker"]
ALL_PROGRAMS = ["true", "python", "loop"]
# The loop program: a pure-Python loop of this many iterations, about 50 ms on the reference
# machine (18-27 ns per iteration there; docs/performance.md gives the measured cost), then a
# line on stdout so that the run can be checked.
DEFAULT_LOOP_ITERS = 2_200_000
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root", "LANG": "C.UTF-8"}


def program_argv(name: str, loop_iters: int) -> tuple[list[str], str]:
    """The program's argv inside the rootfs and the stdout it must print."""
    if name == "true":
        return ["/bin/true"], ""
    if name == "python":
        return ["/usr/bin/python3", "-c", "print(1)"], "1\n"
    if name == "loop":
        return ["/usr/bin/python3", "-c", f"for i in range({loop_iters}): pass\nprint('done')"], "done\n"
    raise ValueError(name)


def tool_argv(tool: str, args: argparse.Namespace, prog: list[str]) -> list[str]:
    r = args.rootfs
    if tool == "chroot":
        return [args.exe["chroot"], r] + prog
    if tool == "unshare":
        return [args.exe["unshare"], "--mount", "--uts", "--ipc", "--net", "--pid", "--fork", "--cgroup",
                args.exe["chroot"], r] + prog
    if tool == "bwrap":
        return [args.exe["bwrap"], "--unshare-all", "--ro-bind", r, "/", "--proc", "/proc", "--dev", "/dev",
                "--tmpfs", "/tmp"] + prog
    if tool in ("runbox", "runbox-nofdm"):
        return [args.runbox, "exec", "--rootfs", r, "--"] + prog
    if tool == "docker":
        return [args.exe["docker"], "run", "--rm", "--network", "none", args.docker_image] + prog
    raise ValueError(tool)


TOOL_LABEL = {
    "chroot": "chroot",
    "unshare": "unshare+chroot",
    "bwrap": "bwrap --unshare-all",
    "runbox": "runbox exec",
    "runbox-nofdm": "runbox exec, cgroup2 remounted without favordynmods",
    "docker": "docker run --rm --network none",
}


class RunFailed(Exception):
    pass


class Runner:
    """Spawns one command at a time, with stdout/stderr going to two scratch files."""

    def __init__(self, scratch: str):
        self.out_path = os.path.join(scratch, "out")
        self.err_path = os.path.join(scratch, "err")

    def run(self, argv: list[str]) -> tuple[float, int, str, str]:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
        out = os.open(self.out_path, flags, 0o600)
        err = os.open(self.err_path, flags, 0o600)
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, out, 1),
            (os.POSIX_SPAWN_DUP2, err, 2),
        ]
        try:
            t0 = time.perf_counter()
            pid = os.posix_spawn(argv[0], argv, ENV, file_actions=actions)
            _, status = os.waitpid(pid, 0)
            elapsed = time.perf_counter() - t0
        finally:
            os.close(out)
            os.close(err)
        with open(self.out_path, "rb") as f:
            stdout = f.read().decode(errors="replace")
        with open(self.err_path, "rb") as f:
            stderr = f.read().decode(errors="replace")
        return elapsed * 1000.0, status, stdout, stderr


def check(tool: str, expected: str, status: int, stdout: str, stderr: str) -> None:
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RunFailed(f"{tool}: exit {code}; stderr: {stderr.strip()[:300]!r}; stdout: {stdout.strip()[:300]!r}")
    if tool.startswith("runbox"):
        try:
            res = json.loads(stdout)
        except ValueError:
            raise RunFailed(f"{tool}: stdout is not a JSON Result: {stdout[:300]!r}")
        if res.get("status") != "ok" or res.get("exit_code") != 0:
            raise RunFailed(f"{tool}: Result status={res.get('status')!r} exit_code={res.get('exit_code')!r} "
                            f"error={res.get('error')!r} stderr={res.get('stderr', '')[:300]!r}")
        stdout = res.get("stdout", "")
    if stdout != expected:
        raise RunFailed(f"{tool}: program printed {stdout[:300]!r}, expected {expected!r}")


def p90(samples: list[float]) -> float:
    s = sorted(samples)
    return s[max(0, math.ceil(0.9 * len(s)) - 1)]  # nearest rank


# ---------------------------------------------------------------- parallel phase

def _worker(argv, tool, expected, count, barrier, queue, scratch):
    runner = Runner(scratch)
    error = None
    barrier.wait()
    start = time.clock_gettime(time.CLOCK_MONOTONIC)
    done = 0
    try:
        for _ in range(count):
            _, status, out, err = runner.run(argv)
            check(tool, expected, status, out, err)
            done += 1
    except Exception as e:  # reported to the parent, which marks the case failed
        error = str(e)
    queue.put((start, time.clock_gettime(time.CLOCK_MONOTONIC), done, error))


def parallel_rate(argv, tool, expected, total, workers, scratch) -> float:
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(workers)
    queue = ctx.Queue()
    per = [total // workers + (1 if i < total % workers else 0) for i in range(workers)]
    procs = []
    for i in range(workers):
        d = os.path.join(scratch, f"w{i}")
        os.makedirs(d, exist_ok=True)
        p = ctx.Process(target=_worker, args=(argv, tool, expected, per[i], barrier, queue, d))
        p.start()
        procs.append(p)
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    errors = [r[3] for r in results if r[3]]
    if errors:
        raise RunFailed(errors[0])
    first = min(r[0] for r in results)
    last = max(r[1] for r in results)
    return sum(r[2] for r in results) / (last - first)


# ---------------------------------------------------------------- host facts

def read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def cgroup2_mount() -> tuple[str | None, list[str]]:
    for line in read("/proc/self/mountinfo").splitlines():
        pre, _, post = line.partition(" - ")
        fields = post.split()
        if fields and fields[0] == "cgroup2":
            return pre.split()[4], fields[2].split(",")
    return None, []


def favordynmods_on() -> bool | None:
    point, opts = cgroup2_mount()
    return None if point is None else "favordynmods" in opts


def set_favordynmods(on: bool) -> None:
    """Remount the cgroup2 hierarchy with or without favordynmods, keeping its other options.

    mount(8) -o remount merges the options already in force, so favordynmods could not be turned
    off with it; the mount(2) call below passes exactly the options wanted."""
    point, opts = cgroup2_mount()
    if point is None:
        raise RuntimeError("no cgroup2 mount")
    keep = [o for o in opts if o not in ("rw", "ro", "favordynmods")]
    if on:
        keep.append("favordynmods")
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
    MS_REMOUNT = 32
    if libc.mount(None, point.encode(), None, MS_REMOUNT, ",".join(keep).encode()) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"remount {point}: {os.strerror(e)}")
    if favordynmods_on() != on:
        raise RuntimeError(f"remount {point}: favordynmods still {'off' if on else 'on'}")


def host_facts() -> dict:
    model = next((l.split(":", 1)[1].strip() for l in read("/proc/cpuinfo").splitlines()
                  if l.startswith("model name")), platform.processor())
    v1 = []
    v2 = None
    for line in read("/proc/mounts").splitlines():
        dev, point, fstype, opts = line.split()[:4]
        if fstype == "cgroup":
            v1.append(point.rsplit("/", 1)[-1])
        elif fstype == "cgroup2":
            v2 = f"{point} ({opts})"
    return {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "nproc": os.cpu_count(),
        "cpu": model,
        "kernel": platform.release(),
        "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "cgroup_v1": v1,
        "cgroup2": v2,
        "favordynmods": favordynmods_on(),
        "loadavg_start": read("/proc/loadavg").split()[:3],
    }


def docker_usable(args) -> str | None:
    """None when docker can run the image, else why not."""
    exe = args.exe["docker"]
    if not os.path.isabs(exe):
        return "no docker command"
    try:
        info = subprocess.run([exe, "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True,
                              timeout=20)
    except subprocess.TimeoutExpired:
        return "docker info timed out"
    if info.returncode != 0:
        return "docker engine not reachable: " + (info.stderr.strip().splitlines() or ["?"])[-1]
    img = subprocess.run([exe, "image", "inspect", args.docker_image], capture_output=True, text=True)
    if img.returncode != 0:
        return (f"image {args.docker_image} not present (never pulled; import it: "
                f"docker import /var/cache/runbox/images/python-*.tar {args.docker_image})")
    args.docker_server = info.stdout.strip()
    return None


# ---------------------------------------------------------------- measuring

def measure(args) -> dict:
    facts = host_facts()
    tools = list(args.tools)
    skipped = {}
    if "docker" in tools:
        why = docker_usable(args)
        if why:
            print(f"skipping docker: {why}", file=sys.stderr)
            skipped["docker"] = why
            tools.remove("docker")
        else:
            facts["docker"] = args.docker_server
    if args.favordynmods_off and "runbox" in tools:
        if facts["favordynmods"] is None:
            skipped["runbox-nofdm"] = "no cgroup2 mount"
        else:
            tools.append("runbox-nofdm")
    mixed = [t for t in tools if t != "runbox-nofdm"]  # interleaved; the remount one runs apart
    runs = {t: (args.docker_runs if t == "docker" else args.runs) for t in tools}
    warm = {t: (args.docker_warmup if t == "docker" else args.warmup) for t in tools}
    fdm_orig = facts["favordynmods"]
    print(f"load average at start: {' '.join(facts['loadavg_start'])}", file=sys.stderr)

    load_max = [float(facts["loadavg_start"][0])]
    stop = threading.Event()

    def sample_load():  # the 1-minute load average, every 5 s, for the report
        while not stop.wait(5):
            load_max[0] = max(load_max[0], float(read("/proc/loadavg").split()[0]))

    threading.Thread(target=sample_load, daemon=True).start()
    cases = {}
    scratch = tempfile.mkdtemp(prefix="exec_bench.")
    runner = Runner(scratch)
    try:
        for prog_name in args.programs:
            prog, expected = program_argv(prog_name, args.loop_iters)
            samples = {t: [] for t in tools}
            errors = {}

            def one(t, keep=True):
                if t in errors:
                    return
                try:
                    ms, status, out, err = runner.run(tool_argv(t, args, prog))
                    check(t, expected, status, out, err)
                    if keep:
                        samples[t].append(ms)
                except RunFailed as e:
                    errors[t] = str(e)
                    print(f"FAILED {prog_name}/{t}: {e}", file=sys.stderr)

            def block(t):
                for _ in range(warm[t]):
                    one(t, keep=False)
                for _ in range(runs[t]):
                    one(t)

            def rate(t):
                if t in errors:
                    return None
                try:
                    return parallel_rate(tool_argv(t, args, prog), t, expected, runs[t], args.workers, scratch)
                except RunFailed as e:
                    errors[t] = str(e)
                    print(f"FAILED {prog_name}/{t} (parallel): {e}", file=sys.stderr)
                    return None

            rates = {}
            # Sequential phase, interleaved: round i runs each tool once, in an order rotated by i;
            # a tool with fewer runs (docker) takes part in rounds spread evenly over the phase.
            if args.interleave:
                for t in mixed:
                    for _ in range(warm[t]):
                        one(t, keep=False)
                rounds = max(runs[t] for t in mixed) if mixed else 0
                for i in range(rounds):
                    for k in range(len(mixed)):
                        t = mixed[(i + k) % len(mixed)]
                        if (i + 1) * runs[t] // rounds > i * runs[t] // rounds:
                            one(t)
            else:
                for t in mixed:
                    block(t)
            for t in mixed:
                rates[t] = rate(t)
            if "runbox-nofdm" in tools:
                set_favordynmods(False)
                try:
                    block("runbox-nofdm")
                    rates["runbox-nofdm"] = rate("runbox-nofdm")
                finally:
                    set_favordynmods(fdm_orig)

            for t in tools:
                s = samples[t]
                cases[(prog_name, t)] = {
                    "program": prog_name, "tool": t, "runs": len(s),
                    "median_ms": statistics.median(s) if s and t not in errors else None,
                    "p90_ms": p90(s) if s and t not in errors else None,
                    "min_ms": min(s) if s and t not in errors else None,
                    "runs_per_s": rates.get(t),
                    "error": errors.get(t),
                }
                c = cases[(prog_name, t)]
                if c["median_ms"] is not None:
                    print(f"{prog_name:7s} {t:13s} median {c['median_ms']:8.2f} ms  p90 {c['p90_ms']:8.2f} ms  "
                          f"{(c['runs_per_s'] or 0):7.1f} runs/s", file=sys.stderr)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if favordynmods_on() != fdm_orig and fdm_orig is not None:
            set_favordynmods(fdm_orig)
    stop.set()
    facts["loadavg_end"] = read("/proc/loadavg").split()[:3]
    facts["loadavg_1min_max"] = load_max[0]
    facts["favordynmods_end"] = favordynmods_on()
    return {"facts": facts, "skipped": skipped, "tools": tools, "programs": args.programs,
            "loop_iters": args.loop_iters, "runs": runs, "warmup": warm, "workers": args.workers,
            "interleave": args.interleave, "cases": list(cases.values())}


# ---------------------------------------------------------------- report

def fmt(v, spec):
    return "—" if v is None else format(v, spec)


def report(data: dict) -> str:
    f = data["facts"]
    cases = {(c["program"], c["tool"]): c for c in data["cases"]}
    prog_label = {"true": "`/bin/true`", "python": "`python3 -c 'print(1)'`",
                  "loop": f"loop ({data['loop_iters']:,} iterations)"}
    lines = [
        f"- Date: {f['date_utc']}",
        f"- Machine: {f['nproc']} CPUs ({f['cpu']}), {f['mem_gib']} GiB, kernel {f['kernel']}",
        f"- cgroups: v1 {', '.join(f['cgroup_v1']) or 'none'}; cgroup2 {f['cgroup2'] or 'none'}; "
        f"favordynmods {'on' if f['favordynmods'] else 'off'}",
        f"- Load average (1/5/15 min): {' '.join(f['loadavg_start'])} at start, {' '.join(f['loadavg_end'])} at end; "
        f"highest 1-min value seen (5 s samples) {f['loadavg_1min_max']:.2f}",
        f"- Runs per case: {', '.join(f'{TOOL_LABEL[t]} {n}' for t, n in data['runs'].items())} "
        f"(after {data['warmup'].get('runbox', max(data['warmup'].values()))} warm-up runs"
        f"{', docker ' + str(data['warmup']['docker']) if 'docker' in data['warmup'] else ''}); "
        f"{data['workers']} parallel workers for runs/s",
    ]
    if f.get("docker"):
        lines.append(f"- Docker engine {f['docker']}")
    for t, why in data["skipped"].items():
        lines.append(f"- Skipped {TOOL_LABEL.get(t, t)}: {why}")
    lines += ["", "| program | tool | median ms | p90 ms | runs/s (2 workers) | median ÷ runbox |",
              "|---|---|---:|---:|---:|---:|"]
    for p in data["programs"]:
        base = cases.get((p, "runbox"), {}).get("median_ms")
        for t in data["tools"]:
            c = cases[(p, t)]
            if c["error"]:
                lines.append(f"| {prog_label[p]} | {TOOL_LABEL[t]} | FAILED: {c['error'][:120]} | | | |")
                continue
            ratio = c["median_ms"] / base if base else None
            lines.append(f"| {prog_label[p]} | {TOOL_LABEL[t]} | {fmt(c['median_ms'], '.2f')} | "
                         f"{fmt(c['p90_ms'], '.2f')} | {fmt(c['runs_per_s'], '.0f')} | {fmt(ratio, '.2f')}× |")
    lines += ["", "Targets (`/bin/true`, medians):"]
    g = lambda t: cases.get(("true", t), {}).get("median_ms")  # noqa: E731
    rb, bw, ch, dk = g("runbox"), g("bwrap"), g("chroot"), g("docker")
    if rb is not None and bw is not None:
        lines.append(f"- runbox ≤ bwrap: {rb:.2f} vs {bw:.2f} ms (runbox ÷ bwrap = {rb / bw:.2f}) — "
                     f"{'met' if rb <= bw else 'MISSED'}")
    if rb is not None and ch is not None:
        lines.append(f"- runbox − chroot ≤ 2 ms: {rb - ch:+.2f} ms — {'met' if rb - ch <= 2.0 else 'MISSED'}")
    if rb is not None and dk is not None:
        lines.append(f"- docker ÷ runbox ≥ 20: {dk / rb:.1f}× — {'met' if dk / rb >= 20 else 'MISSED'}")
    elif rb is not None:
        lines.append("- docker ÷ runbox ≥ 20: not measured (docker skipped)")
    if "loop" in data["programs"] and ("loop", "chroot") in cases and ("python", "chroot") in cases:
        lo, py = cases[("loop", "chroot")]["median_ms"], cases[("python", "chroot")]["median_ms"]
        if lo is not None and py is not None:
            lines.append(f"- Loop program bare cost (chroot median): {lo:.1f} ms, of which the loop "
                         f"≈ {lo - py:.1f} ms beyond `python3 -c 'print(1)'`")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rootfs", default=DEFAULT_ROOTFS)
    ap.add_argument("--runbox", default=DEFAULT_RUNBOX)
    ap.add_argument("--tools", default=",".join(ALL_TOOLS), help="comma list of " + ",".join(ALL_TOOLS))
    ap.add_argument("--programs", default=",".join(ALL_PROGRAMS), help="comma list of " + ",".join(ALL_PROGRAMS))
    ap.add_argument("--runs", type=int, default=200, help="sequential runs per case (and parallel-phase runs)")
    ap.add_argument("--docker-runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--docker-warmup", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2, help="parallel workers for runs/s")
    ap.add_argument("--loop-iters", type=int, default=DEFAULT_LOOP_ITERS)
    ap.add_argument("--docker-image", default="runbox-python")
    ap.add_argument("--no-interleave", dest="interleave", action="store_false",
                    help="run each tool as its own block instead of interleaving runs")
    ap.add_argument("--favordynmods-off", action="store_true",
                    help="also measure runbox with the cgroup2 hierarchy remounted without "
                         "favordynmods (for that block only; the mount is restored after). Since Linux "
                         "6.18 the per-threadgroup rwsem that favordynmods switches on cannot be "
                         "switched off again (dmesg: 'per threadgroup rwsem mechanism can't be "
                         "disabled'), so on a host booted with it this row takes the same lock path")
    ap.add_argument("--wait-idle", type=float, metavar="LOAD",
                    help="first wait (up to 20 min) until the 1-minute load average is below LOAD")
    ap.add_argument("--output", help="write the markdown report here (it is always printed)")
    ap.add_argument("--json", help="write the raw results here")
    args = ap.parse_args()
    args.tools = [t for t in args.tools.split(",") if t]
    args.programs = [p for p in args.programs.split(",") if p]
    for t in args.tools:
        if t not in ALL_TOOLS:
            ap.error(f"unknown tool {t}")
    for p in args.programs:
        if p not in ALL_PROGRAMS:
            ap.error(f"unknown program {p}")
    if os.geteuid() != 0:
        ap.error("run as root (chroot, namespaces and cgroups need it)")
    if not os.path.isdir(args.rootfs):
        ap.error(f"no rootfs at {args.rootfs}")
    args.exe = {}
    for t in ("chroot", "unshare", "bwrap", "docker"):
        args.exe[t] = shutil.which(t, path=ENV["PATH"]) or t
    for t in ("chroot", "unshare", "bwrap"):
        if t in args.tools and not os.path.isabs(args.exe[t]):
            ap.error(f"{t} not found")
    if "runbox" in args.tools and not os.access(args.runbox, os.X_OK):
        ap.error(f"no runbox binary at {args.runbox} (cmake --build build)")

    if args.wait_idle is not None:
        deadline = time.monotonic() + 1200
        while float(read("/proc/loadavg").split()[0]) >= args.wait_idle and time.monotonic() < deadline:
            time.sleep(5)
        print(f"load average now {read('/proc/loadavg').split()[0]}", file=sys.stderr)
    data = measure(args)
    text = report(data)
    print(text)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(data, f, indent=1)
    return 1 if any(c["error"] for c in data["cases"]) else 0


if __name__ == "__main__":
    sys.exit(main())
