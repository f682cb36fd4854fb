#!/usr/bin/env python3
"""End-to-end cost of POST /v1/run against the same program run by bare chroot, in one session.

For bash, python3 and c (compile + run): latency median/p90 and throughput with 1, 2 and 8
concurrent HTTP clients against a runboxd started here, and chroot's median/p90 and throughput
with 1 and 2 parallel workers on the same image. The docker column: the same requests through a
second runboxd whose policy forces the docker backend (latency with 1 client, runs/s with 2),
and how many times slower than native it is. Not a test: prints a Markdown table.

  sudo bench/http_bench.py [--requests 200] [--docker-requests 30] [--no-docker]
                           [--runboxd build/daemon/runboxd] [--out FILE]
"""
import argparse, http.client, itertools, json, os, re, shutil, statistics, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGES = "/var/lib/runbox/rootfs"
# NONCE becomes a counter in each request: every C request is a new submission that compiles
# (the compile cache would otherwise answer every one after the first).
C_SOURCE = '#include <stdio.h>\nint main(void){long a,b;if(scanf("%ld %ld",&a,&b)!=2)return 1;printf("%ld\\n",a+b);return 0;}\n/*NONCE*/\n'

# The programs (bash `true`, python3 `print(1)`, C a+b compiled and run), and the same
# on bare chroot of the same image. "expect" is the stdout both must give.
PROGRAMS = {
    "bash": {"image": "scripting", "request": {"runtime": "bash", "code": "true"},
             "chroot": ["bash", "-c", "true"], "expect": ""},
    "python3": {"image": "python", "request": {"runtime": "python3", "code": "print(1)"},
                "chroot": ["python3", "-c", "print(1)"], "expect": "1\n"},
    "c": {"image": "gcc", "request": {"runtime": "c", "code": C_SOURCE, "stdin": "1 2\n"},
          # A directory per run, as each runbox run has its own /box.
          "chroot": ["sh", "-c", "d=$(mktemp -d) && cp /tmp/b/main.c $d && cd $d && "
                                 "gcc -O2 -std=gnu17 -pipe -o main main.c -lm && echo 1 2 | ./main && rm -r $d"],
          "expect": "3\n"},
}


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def start_daemon(binary, slots, policies=f"{ROOT}/policies", log=None):
    """Starts runboxd on a free loopback port; its stderr is drained, into the file `log` if given."""
    out = open(log, "w") if log else None
    proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--runtimes-dir", f"{ROOT}/runtimes",
                             "--policies-dir", policies, "--slots", str(slots), "--log-format", "text"],
                            stderr=subprocess.PIPE, text=True)
    port = None
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stderr.readline()
        if out: out.write(line)
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
        if "ready with" in line:
            break
    if port is None:
        proc.kill()
        sys.exit("runboxd did not start")
    def drain():
        for line in proc.stderr:
            if out: out.write(line); out.flush()
    threading.Thread(target=drain, daemon=True).start()
    return proc, port


NONCES = itertools.count()


def http_run(port, body, conn_cache, expect):
    if "NONCE" in body:
        body = body.replace("NONCE", str(next(NONCES)))
    conn = conn_cache.get(threading.get_ident())
    if conn is None:
        conn = conn_cache[threading.get_ident()] = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t0 = time.perf_counter()
    conn.request("POST", "/v1/run", body=body, headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    dt = time.perf_counter() - t0
    out = json.loads(data)
    stage = out.get("run") or {}
    if resp.status != 200 or stage.get("status") != "ok" or stage.get("stdout") != expect:
        raise RuntimeError(f"bad answer {resp.status}: {data[:300]!r}")
    return dt


def chroot_run(image, argv, expect):
    t0 = time.perf_counter()
    r = subprocess.run(["chroot", f"{IMAGES}/{image}"] + argv, capture_output=True)
    dt = time.perf_counter() - t0
    if r.returncode != 0 or r.stdout != expect.encode():
        raise RuntimeError(f"chroot failed: {r.returncode} {r.stderr[:200]!r}")
    return dt


def drive(fn, total, workers):
    """Runs fn total times from `workers` threads; returns (latencies, runs per second)."""
    lat, lock, left = [], threading.Lock(), [total]

    def worker():
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            dt = fn()
            with lock:
                lat.append(dt)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads: t.start()
    for t in threads: t.join()
    return lat, total / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--runboxd", default=f"{ROOT}/build/daemon/runboxd")
    ap.add_argument("--slots", type=int, default=os.cpu_count())
    ap.add_argument("--out")
    ap.add_argument("--docker-requests", type=int, default=30)
    ap.add_argument("--no-docker", action="store_true")
    args = ap.parse_args()
    # The docker column's daemon: the shipped policy with [backend] force = "docker".
    docker_policies = tempfile.mkdtemp(prefix="runbox-bench-")
    shutil.copytree(f"{ROOT}/policies", f"{docker_policies}/policies")
    with open(f"{docker_policies}/policies/default.toml", "a") as f:
        f.write('\n[backend]\nforce = "docker"\n')

    # The C baseline compiles in a scratch dir inside the gcc image's /tmp (a tmpfs, as runbox's).
    gcc_tmp = f"{IMAGES}/gcc/tmp"
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", gcc_tmp], check=True)
    try:
        os.makedirs(f"{gcc_tmp}/b")
        with open(f"{gcc_tmp}/b/main.c", "w") as f:
            f.write(C_SOURCE)
        rows = []
        proc, port = start_daemon(args.runboxd, args.slots)
        try:
            for name, prog in PROGRAMS.items():
                body = json.dumps(prog["request"])
                cache = {}
                exp = prog["expect"]
                for _ in range(5): http_run(port, body, cache, exp)  # warm-up
                base1, _ = drive(lambda: chroot_run(prog["image"], prog["chroot"], exp), args.requests // 2, 1)
                _, base_rps2 = drive(lambda: chroot_run(prog["image"], prog["chroot"], exp), args.requests // 2, 2)
                row = {"program": name, "chroot_median": statistics.median(base1) * 1e3,
                       "chroot_p90": pct(base1, 90) * 1e3, "chroot_rps2": base_rps2}
                for c in (1, 2, 8):
                    cache = {}
                    lat, rps = drive(lambda: http_run(port, body, cache, exp), args.requests, c)
                    row[f"http{c}_median"] = statistics.median(lat) * 1e3
                    row[f"http{c}_p90"] = pct(lat, 90) * 1e3
                    row[f"http{c}_rps"] = rps
                rows.append(row)
                print(json.dumps(row), file=sys.stderr)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        if not args.no_docker:
            dproc, dport = start_daemon(args.runboxd, args.slots, f"{docker_policies}/policies")
            try:
                for row in rows:
                    body = json.dumps(PROGRAMS[row["program"]]["request"])
                    exp = PROGRAMS[row["program"]]["expect"]
                    cache = {}
                    for _ in range(3): http_run(dport, body, cache, exp)  # warm-up
                    lat, _ = drive(lambda: http_run(dport, body, cache, exp), args.docker_requests, 1)
                    cache = {}
                    _, rps2 = drive(lambda: http_run(dport, body, cache, exp), args.docker_requests, 2)
                    row.update(docker_median=statistics.median(lat) * 1e3, docker_p90=pct(lat, 90) * 1e3,
                               docker_rps2=rps2)
                    print(json.dumps(row), file=sys.stderr)
            finally:
                dproc.terminate()
                dproc.wait(timeout=60)
    finally:
        subprocess.run(["umount", gcc_tmp])
        shutil.rmtree(docker_policies, ignore_errors=True)

    out = [f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.uname().release}, "
           f"{os.cpu_count()} CPUs, runboxd --slots {args.slots}, {args.requests} requests per cell; "
           f"load average before: {os.getloadavg()[0]:.2f}.", "",
           "| program | chroot median / p90 ms | HTTP 1 client median / p90 ms | +ms at median | "
           "chroot runs/s (2 workers) | HTTP runs/s 1 / 2 / 8 clients | 8 clients vs chroot |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['program']} | {r['chroot_median']:.1f} / {r['chroot_p90']:.1f} | "
                   f"{r['http1_median']:.1f} / {r['http1_p90']:.1f} | {r['http1_median'] - r['chroot_median']:+.1f} | "
                   f"{r['chroot_rps2']:.0f} | {r['http1_rps']:.0f} / {r['http2_rps']:.0f} / {r['http8_rps']:.0f} | "
                   f"{100 * r['http8_rps'] / r['chroot_rps2']:.0f} % |")
    if any("docker_median" in r for r in rows):
        out += ["", f"Docker backend (same requests through runboxd with `[backend] force = \"docker\"`, "
                    f"{args.docker_requests} requests per cell):", "",
                "| program | native HTTP median / p90 ms | docker HTTP median / p90 ms | docker ÷ native (median) | "
                "native runs/s (2 clients) | docker runs/s (2 clients) |", "|---|---:|---:|---:|---:|---:|"]
        for r in rows:
            if "docker_median" not in r: continue
            out.append(f"| {r['program']} | {r['http1_median']:.1f} / {r['http1_p90']:.1f} | "
                       f"{r['docker_median']:.1f} / {r['docker_p90']:.1f} | {r['docker_median'] / r['http1_median']:.1f}× | "
                       f"{r['http2_rps']:.0f} | {r['docker_rps2']:.1f} |")
    text = "\n".join(out) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
