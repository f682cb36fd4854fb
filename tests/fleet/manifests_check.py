#!/usr/bin/python3
"""deploy/: the Kubernetes manifests parse (Debian's python3-yaml) and agree with each other and
with what runboxd requires; the ConfigMap's runboxd.toml and the example Secret's keys.toml pass
`runbox policy check` (the daemon's own loader: every key, the keys file's owner and mode);
[drain]'s bad values are refused with file, field and message; deploy/haproxy/haproxy.cfg passes
`haproxy -c` and keeps the properties docs/operations.md relies on. Exit 0 when all holds, 1
otherwise, 77 (skipped) without root (the keys file must be root's), python3-yaml or haproxy."""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def sub_once(pattern, repl, text, what):
    out, n = re.subn(pattern, repl, text, flags=re.M)
    if n != 1:
        check(False, f"{what}: {pattern!r} matched {n} times, expected once")
    return out


def policy_check(runbox, config):
    p = subprocess.run([runbox, "policy", "check", "--config", config], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def kubernetes(source, runbox, tmp):
    import yaml

    docs = {}
    for path in sorted(glob.glob(os.path.join(source, "deploy/kubernetes/*.yaml"))):
        for doc in yaml.safe_load_all(open(path)):
            check(isinstance(doc, dict) and {"apiVersion", "kind", "metadata"} <= doc.keys(),
                  f"{os.path.basename(path)}: a Kubernetes object")
            check(doc["metadata"].get("namespace") == "runbox", f"{doc['kind']} {doc['metadata']['name']}: namespace runbox")
            docs[doc["kind"]] = doc
    check(set(docs) == {"DaemonSet", "Service", "ConfigMap", "Secret"}, f"the objects: {sorted(docs)}")
    ds, svc, cm, secret = docs["DaemonSet"], docs["Service"], docs["ConfigMap"], docs["Secret"]

    labels = ds["spec"]["template"]["metadata"]["labels"]
    check(ds["spec"]["selector"]["matchLabels"].items() <= labels.items(), "the DaemonSet selects its own pods")
    check(svc["spec"]["selector"].items() <= labels.items(), "the Service selects the DaemonSet's pods")
    pod = ds["spec"]["template"]["spec"]
    [c] = pod["containers"]
    check(c["securityContext"].get("privileged") is True, "privileged (namespaces, mounts, cgroups, seccomp)")
    check(c["securityContext"].get("runAsUser") == 0, "runs as root")
    for host in ("hostPID", "hostIPC", "hostNetwork"):
        check(not pod.get(host), f"no {host}")
    check("fsGroup" not in (pod.get("securityContext") or {}), "no fsGroup (it would make keys.toml group-readable)")
    check(pod.get("automountServiceAccountToken") is False, "no service account token in the pod")
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    check(c["readinessProbe"]["httpGet"]["path"] == "/readyz", "readiness on /readyz")
    check(c["livenessProbe"]["httpGet"]["path"] == "/healthz", "liveness on /healthz")
    check(c["startupProbe"]["httpGet"]["path"] == "/healthz", "start-up on /healthz")
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        check(c[probe]["httpGet"]["port"] in ports, f"{probe} on a named container port")
    [svc_port] = svc["spec"]["ports"]
    check(svc_port["targetPort"] in ports, "the Service targets the container's port")
    check("limits" in c["resources"] and "cpu" not in c["resources"]["limits"],
          "a memory limit, no CPU limit (README: CFS throttling stretches runs)")

    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["name"]: m for m in c["volumeMounts"]}
    check(set(mounts) <= set(volumes), "every mount has its volume")
    check(volumes["state"]["hostPath"]["path"] == "/var/lib/runbox" and mounts["state"]["mountPath"] == "/var/lib/runbox",
          "hostPath /var/lib/runbox (state: Judge0 store, statistics)")
    check(volumes["images"]["hostPath"]["path"] == "/var/lib/runbox/rootfs" and
          mounts["images"]["mountPath"] == "/var/lib/runbox/rootfs", "hostPath /var/lib/runbox/rootfs (the images)")
    check(volumes["config"]["configMap"]["name"] == cm["metadata"]["name"], "the config volume is the ConfigMap")
    check(volumes["keys"]["secret"]["secretName"] == secret["metadata"]["name"], "the keys volume is the Secret")
    check(volumes["keys"]["secret"].get("defaultMode") == 0o400, "keys.toml mode 0400")
    check(mounts["keys"].get("subPath") == "keys.toml" and "keys.toml" in secret["stringData"],
          "keys.toml mounted by subPath (a file, not a symlink into ..data)")
    check(not any(v.get("hostPath", {}).get("path") == "/sys/fs/cgroup" for v in volumes.values()),
          "no hostPath /sys/fs/cgroup (cgroup v2: the pod's own cgroup namespace)")
    args = c["args"]
    check(args[:1] == ["--config"] and args[1] == os.path.join(mounts["config"]["mountPath"], "runboxd.toml")
          and "runboxd.toml" in cm["data"], "--config names the ConfigMap's runboxd.toml")

    text = cm["data"]["runboxd.toml"]
    conf = tomllib.loads(text)
    check(conf["keys"] == mounts["keys"]["mountPath"], "runboxd.toml's keys is the mounted keys.toml")
    check(conf["listen"] == [f"0.0.0.0:{ports['http']}"], "runboxd listens on the container port")
    check(conf["images_root"] == mounts["images"]["mountPath"], "images_root is the images hostPath")
    check(conf["judge0"]["store"].startswith(mounts["state"]["mountPath"] + "/"), "the Judge0 store on the hostPath")
    drain = conf["drain"]
    check(pod["terminationGracePeriodSeconds"] > drain["delay_s"] + drain["grace_s"],
          f"terminationGracePeriodSeconds {pod['terminationGracePeriodSeconds']} > drain delay_s + grace_s "
          f"({drain['delay_s']} + {drain['grace_s']})")
    check(c["resources"]["requests"]["cpu"] == str(conf["slots"]), "one CPU requested per slot")

    # The daemon's own loader on both files: the committed text, with only its paths moved here.
    keys = os.path.join(tmp, "keys.toml")
    with open(keys, "w") as f:
        f.write(secret["stringData"]["keys.toml"])
    os.chown(keys, 0, 0)
    os.chmod(keys, 0o400)  # as defaultMode makes it
    local = text
    local = sub_once(r'^keys = ".*"$', f'keys = "{keys}"', local, "runboxd.toml")
    local = sub_once(r'^runtimes_dir = ".*"$', f'runtimes_dir = "{source}/runtimes"', local, "runboxd.toml")
    local = sub_once(r'^policies_dir = ".*"$', f'policies_dir = "{source}/policies"', local, "runboxd.toml")
    local = sub_once(r'^store = ".*"$', f'store = "{tmp}/judge0.sqlite"', local, "runboxd.toml")
    config = os.path.join(tmp, "runboxd.toml")
    with open(config, "w") as f:
        f.write(local)
    rc, out = policy_check(runbox, config)
    check(rc == 0 and re.search(r"^keys: .*keys\.toml \(2\)$", out, flags=re.M) is not None,
          "runbox policy check passes the ConfigMap's runboxd.toml with the Secret's keys.toml:\n"
          + "\n".join(out.splitlines()[:6]))
    os.chmod(keys, 0o440)
    rc, out = policy_check(runbox, config)
    check(rc == 1 and "keys.toml" in out, f"and refuses the keys file once group may read it (fsGroup): {out.strip()}")


def drain_refusals(runbox, tmp):
    for body, field, message in [("grace_s = 0", "drain.grace_s", "must be at least 1"),
                                 ("delay_s = 3601", "drain.delay_s", "must be at most 3600"),
                                 ("delay_s = -1", "drain.delay_s", "must not be negative"),
                                 ('delay_s = "5"', "drain.delay_s", "expected an integer"),
                                 ("delay = 5", "drain.delay", "unknown key")]:
        config = os.path.join(tmp, "drain.toml")
        with open(config, "w") as f:
            f.write(f"slots = 1\n\n[drain]\n{body}\n")
        rc, out = policy_check(runbox, config)
        check(rc == 1 and f"drain.toml:4: {field}: {message}" in out, f"[drain] {body} refused: {out.strip()}")
    with open(os.path.join(tmp, "drain.toml"), "w") as f:
        f.write("[drain]\ndelay_s = 3600\ngrace_s = 1\n")
    rc, out = policy_check(runbox, os.path.join(tmp, "drain.toml"))
    check(rc == 0, f"[drain] delay_s = 3600, grace_s = 1 accepted: {out.splitlines()[:1]}")


def haproxy(source, tmp):
    path = os.path.join(source, "deploy/haproxy/haproxy.cfg")
    p = subprocess.run(["haproxy", "-c", "-f", path], capture_output=True, text=True)
    check(p.returncode == 0, f"haproxy -c: {(p.stdout + p.stderr).strip()}")
    lines = [l.split("#")[0].strip() for l in open(path)]
    lines = [l for l in lines if l]
    check("balance leastconn" in lines, "balance leastconn")
    check("option httpchk" in lines and any(l.startswith("http-check send meth GET uri /readyz ") for l in lines)
          and "http-check expect status 200" in lines, "health checks: GET /readyz, expect 200")
    check([l for l in lines if l.startswith("retry-on")] == ["retry-on conn-failure"],
          "retries only on connection failures (a run is not idempotent)")
    check("option redispatch 1" in lines, "a refused connection goes to another server")
    check(not any(l.startswith("errorfile") for l in lines), "no errorfile")
    check([l for l in lines if l.startswith("http-response")] == ["http-response set-header X-Runbox-Server %s"],
          "the only http-response rule adds X-Runbox-Server (a daemon's answers pass unchanged)")
    check(not any(l.startswith(("http-request", "http-after-response", "http-reuse")) for l in lines),
          "no http-request, http-after-response or http-reuse rule")
    check(all(l.split()[2] in ("502", "503", "504") for l in lines if l.startswith("http-error ")),
          "http-error only for HAProxy's own 502, 503, 504")
    servers = [l for l in lines if l.startswith("server ")]
    check(len(servers) >= 2, f"several hosts ({len(servers)})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runbox", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: the keys file must be root's: run as root")
        return 77
    try:
        import yaml  # noqa: F401
    except ImportError:
        print("SKIP: no python3-yaml")
        return 77
    if not shutil.which("haproxy"):
        print("SKIP: no haproxy")
        return 77
    with tempfile.TemporaryDirectory(prefix="runbox-manifests-") as tmp:
        kubernetes(args.source, args.runbox, tmp)
        drain_refusals(args.runbox, tmp)
        haproxy(args.source, tmp)
    if failures:
        print(f"{len(failures)} FAILED")
        return 1
    print("all ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
