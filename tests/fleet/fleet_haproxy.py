#!/usr/bin/python3
"""A fleet behind HAProxy, on loopback: three runboxd (slots 2, queue 2, [drain] delay_s 3, each
with its own runboxd.toml, Judge0 store and uid ranges) behind Debian's haproxy running
deploy/haproxy/haproxy.cfg itself, with only its addresses, log target and stats socket
substituted. A closed-loop load of bash and python3 runs goes through HAProxy while

  1. runbox1 is killed with SIGKILL: only requests in flight on it at that moment may fail, and
     each of those with HAProxy's clean 502 (JSON, code bad_gateway); everything else is 200
     with the right output (requests that met its closed port went to another daemon);
  2. runbox1 is started again: HAProxy sends to it again;
  3. runbox2 gets SIGTERM: HAProxy marks it DOWN (its /readyz says 503 during the drain delay)
     before the process exits, sends it nothing afterwards, and its in-flight runs end 200;
  4. runbox2 is started again and serves again; runbox3 serves throughout.

Then a burst larger than the fleet's slots and queues: the daemons' own 503 overloaded answers
with Retry-After reach the client unchanged (X-Runbox-Server says which daemon). At the end a
second SIGTERM cuts the drain delay short. Prints the figures (docs/operations.md, "A fleet
behind HAProxy") as one JSON line. Exit 0 when all holds, 1 when anything does not, 77
(skipped) when the host cannot run it (not root, no haproxy, no images)."""
import argparse
import csv
import http.client
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

PROXY_PORT = 18400
DAEMON_PORTS = {"runbox1": 18401, "runbox2": 18402, "runbox3": 18403}
DRAIN_DELAY_S = 3
THREADS = 6  # the fleet has 6 slots and 6 queue places; any two daemons hold all of them


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def http_get(port, path, timeout=2.0):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def port_free(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as haproxy and runboxd: TIME-WAIT is no obstacle
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def proxy_config(source, tmp, stats_sock):
    """The committed haproxy.cfg with loopback addresses: every substitution must match exactly
    as often as expected, so a change of the file's shape fails here instead of testing
    something else."""
    text = open(os.path.join(source, "deploy/haproxy/haproxy.cfg")).read()

    def sub(pattern, repl, count):
        nonlocal text
        text, n = re.subn(pattern, repl, text, flags=re.M)
        if n != count:
            fail(f"haproxy.cfg: {pattern!r} matched {n} times, expected {count}")

    sub(r"^(\s*)bind :8080$", rf"\1bind 127.0.0.1:{PROXY_PORT}", 1)
    sub(r"^(\s*)log /dev/log local0$", r"\1log stdout format raw local0", 1)
    sub(r"^(\s*)stats socket /run/haproxy/admin\.sock ", rf"\1stats socket {stats_sock} ", 1)
    for name, port in DAEMON_PORTS.items():
        sub(rf"^(\s*)server {name} \S+$", rf"\1server {name} 127.0.0.1:{port}", 1)
    if len(re.findall(r"^\s*server ", text, flags=re.M)) != len(DAEMON_PORTS):
        fail("haproxy.cfg: expected exactly three server lines")
    path = os.path.join(tmp, "haproxy.cfg")
    with open(path, "w") as f:
        f.write(text)
    return path


class Stats:
    """HAProxy's `show stat` over its stats socket, and a poller that records when each
    server's status changes."""

    def __init__(self, sock_path):
        self.sock_path = sock_path
        self.changes = []  # (time, server, status)
        self.last = {}
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def show(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(2)
        s.connect(self.sock_path)
        s.sendall(b"show stat\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        text = data.decode().lstrip("# ")
        rows = {}
        for row in csv.DictReader(io.StringIO(text)):
            if row["pxname"] == "runboxd" and row["svname"] in DAEMON_PORTS:
                rows[row["svname"]] = row
        return rows

    def poll(self):
        while not self.stop.is_set():
            try:
                rows = self.show()
            except OSError:
                rows = {}
            now = time.monotonic()
            with self.lock:
                for name, row in rows.items():
                    status = row["status"].split()[0]  # "UP", "DOWN", "UP 1/2", "DOWN 1/2"
                    if self.last.get(name) != status:
                        self.last[name] = status
                        self.changes.append((now, name, status))
            time.sleep(0.05)

    def status(self, name):
        with self.lock:
            return self.last.get(name)

    def first(self, name, status, after):
        with self.lock:
            for t, n, s in self.changes:
                if n == name and s == status and t >= after:
                    return t
        return None

    def wait_for(self, name, status, after, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            t = self.first(name, status, after)
            if t is not None:
                return t
            time.sleep(0.02)
        fail(f"HAProxy did not mark {name} {status} within {timeout} s (changes: {self.changes})")


class Daemon:
    def __init__(self, runboxd, tmp, name, port, index, source, runtimes):
        self.runboxd, self.name, self.port = runboxd, name, port
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir)
        # Its own policies: the same files, with uid ranges no other daemon of this host uses
        # (on separate hosts they may be the same), and without the overrides of runtimes this
        # test does not load (a policy may not name a runtime that is not there).
        pol = os.path.join(self.dir, "policies")
        shutil.copytree(os.path.join(source, "policies"), pol)
        for f in ("default.toml", "untrusted.toml"):
            p = os.path.join(pol, f)
            text = open(p).read()
            text, n = re.subn(r"^first = (\d+)$", lambda m: f"first = {int(m.group(1)) + 40000 * index}", text,
                              flags=re.M)
            if n != 1:
                fail(f"{p}: expected one [uids] first")
            sections = re.split(r"(?m)^(?=\[)", text)
            keep = [sec for sec in sections
                    if not (m := re.match(r"\[runtime\.([^.\]]+)", sec)) or m.group(1) in LOAD_RUNTIMES]
            open(p, "w").write("".join(keep))
        self.config = os.path.join(self.dir, "runboxd.toml")
        with open(self.config, "w") as f:
            f.write(f'listen = ["127.0.0.1:{port}"]\n'
                    f'runtimes_dir = "{runtimes}"\n'
                    f'policies_dir = "{pol}"\n'
                    'slots = 2\nqueue_size = 2\nlog_format = "text"\n'
                    f'[judge0]\nstore = "{self.dir}/judge0.sqlite"\n'
                    f'[drain]\ndelay_s = {DRAIN_DELAY_S}\ngrace_s = 30\n')
        self.proc = None
        self.starts = 0

    def start(self):
        self.starts += 1
        log = open(os.path.join(self.dir, f"runboxd.{self.starts}.log"), "w")
        self.proc = subprocess.Popen([self.runboxd, "--config", self.config], stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=log)
        self.started_at = time.monotonic()

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                fail(f"{self.name} exited {self.proc.returncode} while starting:\n{self.log_tail()}")
            try:
                if http_get(self.port, "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        fail(f"{self.name} not ready within {timeout} s:\n{self.log_tail()}")

    def log_tail(self):
        path = os.path.join(self.dir, f"runboxd.{self.starts}.log")
        return "".join(open(path).readlines()[-20:])


WITH_BASH = os.path.isdir("/var/lib/runbox/rootfs/scripting")
LOAD_RUNTIMES = ("python3", "bash") if WITH_BASH else ("python3",)


def programs():
    """(runtime, code, stdin, expected stdout): each answer is checked, not just its status."""
    n = random.randint(1000, 99999)
    if not WITH_BASH or random.random() < 0.5:
        code = "import sys, time\ntime.sleep(0.25)\nn = int(sys.stdin.read())\nprint(sum(range(n)))\n"
        return "python3", code, f"{n}\n", f"{sum(range(n))}\n"
    code = 'read n\nsleep 0.2\necho $((n * n + 1))\n'
    return "bash", code, f"{n}\n", f"{n * n + 1}\n"


class Load:
    """THREADS clients in a closed loop: half keep their connection to HAProxy alive, half open
    one per request (HAProxy answers a request lost with its server differently on each)."""

    def __init__(self):
        self.results = []  # dicts: start, end, status, server, ok, code, reused
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.client, args=(i % 2 == 0,), daemon=True) for i in range(THREADS)]

    def client(self, keep_alive):
        conn = None
        while not self.stop.is_set():
            runtime, code, stdin, expected = programs()
            body = json.dumps({"runtime": runtime, "code": code, "stdin": stdin})
            reused = conn is not None
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", PROXY_PORT, timeout=60)
            start = time.monotonic()
            rec = {"start": start, "status": None, "server": None, "ok": False, "code": None, "reused": reused}
            headers = {"Content-Type": "application/json"}
            if not keep_alive:
                headers["Connection"] = "close"
            try:
                conn.request("POST", "/v1/run", body=body, headers=headers)
                r = conn.getresponse()
                data = r.read()
                rec["status"], rec["server"] = r.status, r.getheader("X-Runbox-Server")
                rec["retry_after"] = r.getheader("Retry-After")
                doc = json.loads(data)
                if r.status == 200:
                    rec["ok"] = doc["run"]["status"] == "ok" and doc["run"]["stdout"] == expected
                    rec["answer"] = doc["run"]
                else:
                    rec["code"] = doc.get("error", {}).get("code")
                if not keep_alive or r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException, ValueError) as e:
                rec["status"], rec["error"] = "exception", repr(e)
                conn.close()
                conn = None
            rec["end"] = time.monotonic()
            with self.lock:
                self.results.append(rec)

    def in_flight(self, t):
        with self.lock:
            return [r for r in self.results if r["start"] <= t <= r["end"]]


def burst(count):
    """count requests at once, each longer than a run of the load: more than the fleet's slots
    and queues together (3 x (2 + 2))."""
    out = []
    lock = threading.Lock()
    code = "import time\ntime.sleep(1.5)\nprint('done')\n"

    def one():
        c = http.client.HTTPConnection("127.0.0.1", PROXY_PORT, timeout=60)
        try:
            c.request("POST", "/v1/run", body=json.dumps({"runtime": "python3", "code": code}),
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
            with lock:
                out.append((r.status, r.getheader("Retry-After"), r.getheader("X-Runbox-Server"), json.loads(data)))
        finally:
            c.close()

    ts = [threading.Thread(target=one) for _ in range(count)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runboxd", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: runboxd needs root")
        return 77
    haproxy = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)
    if not haproxy:
        print("SKIP: no haproxy (Debian package haproxy)")
        return 77
    if not os.path.isdir("/var/lib/runbox/rootfs/python"):
        print("SKIP: no python image in /var/lib/runbox/rootfs")
        return 77
    print("load: python3" + (" and bash" if WITH_BASH else " (no scripting image: no bash runs)"))
    for port in [PROXY_PORT, *DAEMON_PORTS.values()]:
        if not port_free(port):
            fail(f"127.0.0.1:{port} is in use")

    tmp_obj = tempfile.TemporaryDirectory(prefix="runbox-fleet-")
    tmp = tmp_obj.name
    os.chmod(tmp, 0o755)
    # Only the runtimes the load uses: start-up (and each restart) probes every runtime.
    runtimes = os.path.join(tmp, "runtimes")
    os.mkdir(runtimes)
    for r in LOAD_RUNTIMES:
        shutil.copy(os.path.join(args.source, "runtimes", r + ".toml"), runtimes)
    stats_sock = os.path.join(tmp, "haproxy.sock")
    cfg = proxy_config(args.source, tmp, stats_sock)
    check = subprocess.run([haproxy, "-c", "-f", cfg], capture_output=True, text=True)
    if check.returncode != 0:
        fail(f"haproxy -c: {check.stdout}{check.stderr}")

    daemons = {name: Daemon(args.runboxd, tmp, name, port, i + 1, args.source, runtimes)
               for i, (name, port) in enumerate(DAEMON_PORTS.items())}
    proxy = None
    stats = None
    try:
        for d in daemons.values():
            d.start()
        for d in daemons.values():
            d.wait_ready()
        proxy_log = open(os.path.join(tmp, "haproxy.log"), "w")
        proxy = subprocess.Popen([haproxy, "-f", cfg, "-db"], stdin=subprocess.DEVNULL, stdout=proxy_log,
                                 stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not os.path.exists(stats_sock):
            if time.monotonic() > deadline or proxy.poll() is not None:
                fail("haproxy did not start:\n" + open(os.path.join(tmp, "haproxy.log")).read())
            time.sleep(0.05)
        stats = Stats(stats_sock)
        threading.Thread(target=stats.poll, daemon=True).start()
        t0 = time.monotonic()
        for name in DAEMON_PORTS:
            stats.wait_for(name, "UP", 0, 10)
        return run_scenario(daemons, stats, tmp, t0)
    finally:
        if stats:
            stats.stop.set()
        # Stopped as they should be (a second SIGTERM skips the delay), so no run is left to
        # the next daemon's sweep; killed only if that fails.
        running = [d for d in daemons.values() if d.proc and d.proc.poll() is None]
        for sig_pause in (0.2, 0):
            for d in running:
                d.proc.send_signal(signal.SIGTERM)
            time.sleep(sig_pause)
        for d in running:
            try:
                d.proc.wait(30)
            except subprocess.TimeoutExpired:
                d.proc.kill()
                d.proc.wait()
        if proxy and proxy.poll() is None:
            proxy.terminate()
            try:
                proxy.wait(5)
            except subprocess.TimeoutExpired:
                proxy.kill()
                proxy.wait()
        if os.environ.get("RUNBOX_FLEET_KEEP"):
            print("kept " + tmp)
            tmp_obj._finalizer.detach()


def run_scenario(daemons, stats, tmp, t_up):
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    a, b, c = daemons["runbox1"], daemons["runbox2"], daemons["runbox3"]
    load = Load()
    t_load = time.monotonic()
    for t in load.threads:
        t.start()
    time.sleep(3)

    # 1. SIGKILL runbox1 while HAProxy counts requests on it.
    deadline = time.monotonic() + 3
    while int(stats.show()["runbox1"]["scur"]) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    on_a = int(stats.show()["runbox1"]["scur"])
    t_kill = time.monotonic()
    a.proc.send_signal(signal.SIGKILL)
    a.proc.wait()
    t_a_down = stats.wait_for("runbox1", "DOWN", t_kill, 10)
    time.sleep(1)

    # 2. runbox1 again, same port and state.
    t_a_restart = time.monotonic()
    a.start()
    t_a_up = stats.wait_for("runbox1", "UP", t_a_restart, 30)
    time.sleep(1.5)

    # 3. SIGTERM runbox2: out of rotation during the drain delay, then it drains and exits.
    on_b = int(stats.show()["runbox2"]["scur"])
    t_term = time.monotonic()
    b.proc.send_signal(signal.SIGTERM)
    t_b_down = stats.wait_for("runbox2", "DOWN", t_term, DRAIN_DELAY_S + 5)
    b_rc = b.proc.wait(40)
    t_b_exit = time.monotonic()

    # 4. runbox2 again.
    t_b_restart = time.monotonic()
    b.start()
    t_b_up = stats.wait_for("runbox2", "UP", t_b_restart, 30)
    time.sleep(2)
    load.stop.set()
    for t in load.threads:
        t.join(70)
    t_end = time.monotonic()
    results = load.results

    # Every request: 200 with the right output, or, for one in flight on runbox1 when it was
    # killed, HAProxy's clean error: its 502 bad_gateway on a fresh client connection, or on a
    # connection that already carried a request, the connection closed without an answer
    # (HAProxy's way of telling a client its request was not answered; no log line).
    good = [r for r in results if r["status"] == 200 and r["ok"]]
    lost = [r for r in results if not (r["status"] == 200 and r["ok"])]

    def clean_error(r):
        if not r["start"] < t_kill < r["end"]:
            return False
        if r["status"] == 502:
            return r["code"] == "bad_gateway" and r["server"] is None
        return r["status"] == "exception" and r["reused"] and "RemoteDisconnected" in r["error"]

    killed = [r for r in lost if clean_error(r)]
    others = [r for r in lost if r not in killed]
    check(not others, f"every request but those in flight on runbox1 at the kill is 200 with the right output "
                      f"({len(others)} others: {others[:3]})")
    check(on_a >= 1, f"HAProxy had requests on runbox1 when it was killed ({on_a})")
    check(len(killed) <= on_a,
          f"no more requests failed ({len(killed)}) than were open on runbox1 at the kill ({on_a})")
    check(all(r["server"] in DAEMON_PORTS for r in good), "every answer names its daemon (X-Runbox-Server)")
    check(t_b_down < t_b_exit,
          f"HAProxy marked runbox2 DOWN ({t_b_down - t_term:.2f} s after SIGTERM) before it exited "
          f"({t_b_exit - t_term:.2f} s)")
    check(b_rc == 0, f"runbox2 exited 0 after SIGTERM ({b_rc})")
    to_b_late = [r for r in good if r["server"] == "runbox2" and t_b_down < r["start"] < t_b_restart]
    check(not to_b_late, f"nothing sent to runbox2 after HAProxy marked it DOWN ({len(to_b_late)})")
    b_drain = [r for r in good if r["server"] == "runbox2" and r["start"] < t_term < r["end"]]
    b_delay = [r for r in good if r["server"] == "runbox2" and t_term <= r["start"] <= t_b_down]
    to_b_all = [r for r in results if r["server"] == "runbox2"]
    check(all(r["status"] == 200 and r["ok"] for r in to_b_all), "every request runbox2 got, drain included, is 200")
    a_again = [r for r in good if r["server"] == "runbox1" and r["start"] > t_a_up]
    b_again = [r for r in good if r["server"] == "runbox2" and r["start"] > t_b_up]
    c_all = [r for r in good if r["server"] == "runbox3"]
    check(len(a_again) > 0, f"runbox1 serves again after its restart ({len(a_again)} runs)")
    check(len(b_again) > 0, f"runbox2 serves again after its restart ({len(b_again)} runs)")
    phases = [(t_load, t_kill), (t_kill, t_a_up), (t_term, t_b_up), (t_b_up, t_end)]
    check(all(any(lo < r["start"] < hi for r in c_all) for lo, hi in phases),
          f"runbox3 served throughout: before the kill, while runbox1 was out, while runbox2 was out, after "
          f"({len(c_all)} runs)")

    # The daemons' own 503 + Retry-After pass through HAProxy unchanged.
    answers = burst(20)
    daemon_503 = [x for x in answers if x[0] == 503 and x[2] in DAEMON_PORTS]
    check(len(daemon_503) > 0, f"a burst over the fleet's slots and queues gets the daemons' 503 ({len(daemon_503)} of 20)")
    check(all(x[1] == "1" and x[3]["error"]["code"] == "overloaded" and "slots are busy" in x[3]["error"]["message"]
              for x in daemon_503), "each with the daemon's Retry-After: 1 and its overloaded error, unchanged")
    check(all(x[0] in (200, 503) for x in answers) and
          all(x[3]["run"]["stdout"] == "done\n" for x in answers if x[0] == 200),
          f"the rest of the burst ran ({sum(1 for x in answers if x[0] == 200)} runs)")

    # A second SIGTERM ends the drain delay at once.
    c.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    t_second = time.monotonic()
    c.proc.send_signal(signal.SIGTERM)
    c_rc = c.proc.wait(30)
    c_exit = time.monotonic() - t_second
    check(c_rc == 0 and c_exit < DRAIN_DELAY_S - 1,
          f"a second SIGTERM ends the drain delay: runbox3 exited {c_rc} {c_exit:.2f} s after it")

    duration = t_end - t_load
    figures = {
        "requests": len(results), "ok": len(good), "failed": len(lost), "failed_in_flight_on_killed": len(killed),
        "killed_502": sum(1 for r in killed if r["status"] == 502),
        "killed_closed_without_answer": sum(1 for r in killed if r["status"] != 502),
        "open_on_killed_at_kill": on_a, "seconds": round(duration, 1), "runs_per_s": round(len(good) / duration, 1),
        "killed_marked_down_s": round(t_a_down - t_kill, 2), "killed_restart_to_up_s": round(t_a_up - t_a_restart, 2),
        "drained_open_at_sigterm": on_b, "drained_in_flight_finished": len(b_drain),
        "drained_served_during_delay": len(b_delay), "drained_marked_down_s": round(t_b_down - t_term, 2),
        "drained_exit_s": round(t_b_exit - t_term, 2), "drained_restart_to_up_s": round(t_b_up - t_b_restart, 2),
        "served": {n: sum(1 for r in good if r["server"] == n) for n in DAEMON_PORTS},
        "burst_daemon_503": len(daemon_503), "second_sigterm_exit_s": round(c_exit, 2),
        "latency_ms_p50": percentile([r["end"] - r["start"] for r in good], 50),
        "latency_ms_p99": percentile([r["end"] - r["start"] for r in good], 99),
    }
    print("figures " + json.dumps(figures))
    if failures:
        for d in daemons.values():
            print(f"--- {d.name} log:\n{d.log_tail()}")
        print("--- haproxy log:\n" + "".join(open(os.path.join(tmp, "haproxy.log")).readlines()[-30:]))
        print(f"{len(failures)} FAILED")
        return 1
    print("all ok")
    return 0


def percentile(values, p):
    if not values:
        return None
    v = sorted(values)
    return round(1000 * v[min(len(v) - 1, int(len(v) * p / 100))])


if __name__ == "__main__":
    sys.exit(main())
