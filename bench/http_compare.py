#!/usr/bin/env python3
"""Several builds of runboxd side by side in one session (docs/performance.md, "Through the
daemon, step by step"): latency request by request, round robin over the daemons (1 client
each), then 8 clients for a few seconds per daemon, in 3 rounds. Not a test: prints Markdown.

  sudo bench/http_compare.py "before=/tmp/runboxd-old" "now=build/daemon/runboxd" [...]
"""
import http.client, json, os, re, statistics, subprocess, sys, threading, time
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if len(sys.argv) < 2 or any("=" not in a for a in sys.argv[1:]):
    sys.exit(__doc__)
VARIANTS = [tuple(a.split("=", 1)) for a in sys.argv[1:]]
C = '#include <stdio.h>\nint main(void){long a,b;if(scanf("%ld %ld",&a,&b)!=2)return 1;printf("%ld\\n",a+b);return 0;}\n'
PROGS = [("bash `true`", {"runtime": "bash", "code": "true"}, "", 200),
         ("python3 `print(1)`", {"runtime": "python3", "code": "print(1)"}, "1\n", 120),
         ("C a+b", {"runtime": "c", "code": C, "stdin": "1 2\n"}, "3\n", 40)]

def start(binary):
    p = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--runtimes-dir", f"{ROOT}/runtimes", "--policies-dir",
                          f"{ROOT}/policies", "--slots", "2", "--log-format", "text"], stderr=subprocess.PIPE, text=True)
    port = None
    while True:
        line = p.stderr.readline()
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if m: port = int(m.group(1))
        if "ready with" in line: break
    threading.Thread(target=lambda: [None for _ in p.stderr], daemon=True).start()
    return p, port

def req(conn, body, expect):
    t = time.perf_counter()
    conn.request("POST", "/v1/run", body, {"Content-Type": "application/json"})
    r = conn.getresponse(); d = json.loads(r.read())
    dt = time.perf_counter() - t
    assert r.status == 200 and d["run"]["status"] == "ok" and d["run"]["stdout"] == expect, d
    return dt

def pct(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]

def throughput(port, body, expect, clients=8, secs=4.0):
    n = [0]; lock = threading.Lock(); stop = time.perf_counter() + secs
    def w():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < stop:
            req(c, body, expect)
            with lock: n[0] += 1
    t0 = time.perf_counter(); ts = [threading.Thread(target=w) for _ in range(clients)]
    [t.start() for t in ts]; [t.join() for t in ts]
    return n[0] / (time.perf_counter() - t0)

daemons = [start(b) for _, b in VARIANTS]
try:
    print(f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load before {os.getloadavg()[0]:.2f}")
    print("\n| program | runboxd | 1 client median / p90 ms | 8 clients runs/s |\n|---|---|---:|---:|")
    for name, body, expect, n in PROGS:
        b = json.dumps(body)
        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _, port in daemons]
        for c in conns:
            for _ in range(3): req(c, b, expect)
        lat = [[] for _ in daemons]
        for i in range(n):
            for k, c in enumerate(conns):
                lat[k].append(req(c, b, expect))
        rps = [[] for _ in daemons]
        for _ in range(3):
            for k, (_, port) in enumerate(daemons):
                rps[k].append(throughput(port, b, expect, secs=3.0 if n > 50 else 4.0))
        for k, (vname, _) in enumerate(VARIANTS):
            print(f"| {name} | {vname} | {statistics.median(lat[k])*1e3:.2f} / {pct(lat[k],90)*1e3:.2f} | "
                  f"{statistics.median(rps[k]):.0f} |", flush=True)
finally:
    for p, _ in daemons: p.terminate()
    for p, _ in daemons: p.wait()
