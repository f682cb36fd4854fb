#!/usr/bin/env python3
"""Judge requests on 2 slots: 20 tests of a program that takes ~100 ms, with the tests one at a
time (policy [request] max_parallel_tests = 1) and on borrowed idle slots (the default, 4), in one
session; and the same C judge request compiled fresh each time against a resubmission (compile
cache). Latency median/p90 per request. Not a test: prints a Markdown table.

  sudo bench/judge_bench.py [--requests 15] [--runboxd build/daemon/runboxd]
"""
import argparse, json, os, re, shutil, statistics, sys, tempfile, time, http.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from http_bench import start_daemon, ROOT  # noqa: E402

SLEEPER = {"runtime": "bash", "code": "read x; sleep 0.1; echo $x",
           "tests": [{"stdin": str(i), "expected_stdout": str(i)} for i in range(20)]}
C_JUDGE = '#include <stdio.h>\nint main(void){long a,b;scanf("%ld %ld",&a,&b);printf("%ld\\n",a+b);}\n'


def post(port, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    t0 = time.perf_counter()
    conn.request("POST", "/v1/run", body=json.dumps(body), headers={"Content-Type": "application/json"})
    out = json.loads(conn.getresponse().read())
    dt = (time.perf_counter() - t0) * 1000
    conn.close()
    verdicts = {t["verdict"] for t in out.get("tests") or []}
    if verdicts != {"accepted"}:
        sys.exit(f"unexpected answer: {out}")
    return dt, out


def stats(xs):
    xs = sorted(xs)
    return statistics.median(xs), xs[min(len(xs) - 1, int(len(xs) * 0.9))]


def policies_with(tmp, parallel):
    d = os.path.join(tmp, f"policies-{parallel}")
    shutil.copytree(f"{ROOT}/policies", d)
    p = os.path.join(d, "default.toml")
    text = open(p).read()
    text = re.sub(r"^max_parallel_tests = \d+$", f"max_parallel_tests = {parallel}", text, flags=re.M)
    open(p, "w").write(text)
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=15)
    ap.add_argument("--runboxd", default=f"{ROOT}/build/daemon/runboxd")
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for parallel in (1, 4):
            proc, port = start_daemon(a.runboxd, 2, policies=policies_with(tmp, parallel))
            try:
                post(port, SLEEPER)  # warm
                times = [post(port, SLEEPER)[0] for _ in range(a.requests)]
                rows.append((f"20 tests x 100 ms, bash, max_parallel_tests = {parallel}", *stats(times)))
                if parallel == 4:
                    fresh, cached = [], []
                    for i in range(a.requests):
                        body = {"runtime": "c", "code": C_JUDGE + f"/* {i} {time.time()} */\n",
                                "tests": [{"stdin": "1 2", "expected_stdout": "3"}, {"stdin": "2 2", "expected_stdout": "4"}]}
                        dt, out = post(port, body)
                        assert out["compile"]["cached"] is False
                        fresh.append(dt)
                        dt, out = post(port, body)
                        assert out["compile"]["cached"] is True
                        cached.append(dt)
                    rows.append(("C a+b, 2 tests, compiled", *stats(fresh)))
                    rows.append(("C a+b, 2 tests, resubmitted (compile.cached)", *stats(cached)))
            finally:
                proc.terminate()
                proc.wait(30)
    print("| request (2 slots) | median ms | p90 ms |\n|---|---:|---:|")
    for name, med, p90 in rows:
        print(f"| {name} | {med:.0f} | {p90:.0f} |")


if __name__ == "__main__":
    main()
