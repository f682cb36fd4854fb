// Every run gets a fresh sandbox, whatever the daemon reuses underneath for speed: run N plants
// one thing of each kind — a daemonized process, files in /box, /tmp and /dev/shm, SysV IPC
// objects, an abstract unix socket, TCP state on loopback — and run N+1 on the same slot (a
// daemon with one slot) looks for each. The mount table is compared whole.
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <sstream>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "test_env.hpp"

using namespace runbox::test;
namespace fs = std::filesystem;

namespace {

// Printed after each program below: "MOUNTS", then mount point and fs type of each mount.
const std::string kPrintMounts = R"py(
print("MOUNTS")
for line in open("/proc/self/mountinfo"):
    parts = line.split()
    print(parts[4], parts[parts.index("-") + 1])
)py";

// Plants, then prints its mount table.
const char* kPlant = R"py(
import ctypes, os, socket, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
for d in ("/box", "/tmp", "/dev/shm"):
    with open(d + "/planted", "w") as f:
        f.write("from run N")
IPC_CREAT = 0o1000
key = 0x52554e42
assert libc.shmget(key, 4096, IPC_CREAT | 0o666) >= 0, ctypes.get_errno()
assert libc.semget(key, 1, IPC_CREAT | 0o666) >= 0, ctypes.get_errno()
assert libc.msgget(key, IPC_CREAT | 0o666) >= 0, ctypes.get_errno()
# TCP state on loopback: a listener, a connection closed by the client (TIME_WAIT on its side).
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 4242)); srv.listen()
cli = socket.create_connection(("127.0.0.1", 4242)); peer, _ = srv.accept()
cli.sendall(b"x" * 1000); peer.recv(1000); cli.close(); peer.close()
# A process that outlives the program (its own session), holding an abstract unix socket and
# the listener.
holder = subprocess.Popen(
    ["python3", "-c",
     "import socket, time\n"
     "s = socket.socket(socket.AF_UNIX); s.bind('\\0runbox-planted'); s.listen()\n"
     "t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
     "t.bind(('127.0.0.1', 4243)); t.listen()\n"
     "print('held', flush=True); time.sleep(1000)\n"],
    stdout=subprocess.PIPE, start_new_session=True)
assert holder.stdout.readline() == b"held\n"
print("planted")
)py";

// Looks for everything kPlant left; prints one "found: ..." line per thing found, then its mount
// table.
const char* kLook = R"py(
import ctypes, os, socket
libc = ctypes.CDLL(None, use_errno=True)
for d in ("/box", "/tmp", "/dev/shm"):
    if os.path.exists(d + "/planted"): print("found: file", d + "/planted")
    extra = [n for n in os.listdir(d) if n not in ("main.py",)]
    if extra: print("found: entries in", d, extra)
me = os.getpid()
for p in os.listdir("/proc"):
    if p.isdigit() and int(p) not in (1, me):
        try: cmd = open("/proc/%s/cmdline" % p, "rb").read().replace(b"\0", b" ")
        except OSError: continue
        print("found: process", p, cmd)
key = 0x52554e42
if libc.shmget(key, 0, 0) >= 0: print("found: shm")
if libc.semget(key, 0, 0) >= 0: print("found: sem")
if libc.msgget(key, 0) >= 0: print("found: msg")
for name in ("shm", "sem", "msg"):
    rows = open("/proc/sysvipc/" + name).read().splitlines()[1:]
    if rows: print("found: /proc/sysvipc/" + name, rows)
for line in open("/proc/net/unix").read().splitlines()[1:]:
    if "runbox-planted" in line: print("found: abstract socket", line)
s = socket.socket(socket.AF_UNIX); s.bind("\0runbox-planted"); s.close()
for name in ("tcp", "tcp6", "udp", "udp6"):
    rows = open("/proc/net/" + name).read().splitlines()[1:]
    if rows: print("found: /proc/net/" + name, rows)
for line in open("/proc/net/dev").read().splitlines()[2:]:
    iface, counters = line.split(":", 1)
    c = counters.split()
    if iface.strip() != "lo": print("found: interface", iface.strip())
    elif int(c[0]) > 0 or int(c[8]) > 0: print("found: traffic on lo", c[0], "bytes in,", c[8], "out")
t = socket.socket(); t.bind(("127.0.0.1", 4243)); t.close()
print("looked")
)py";

std::string stdout_of(std::uint16_t port, const std::string& code) {
  json::object body = run_body("python3", code);
  body["limits"] = json::object{{"wall_ms", 10000}};
  RunReply r = post_run(port, body);
  INFO(r.describe());
  REQUIRE(r.http.status == 200);
  const auto& run = r.obj().at("run").as_object();
  INFO(as_str(run.at("stderr")));
  REQUIRE(as_str(run.at("status")) == "ok");
  return as_str(run.at("stdout"));
}

std::string after(const std::string& text, const std::string& marker) {
  auto at = text.find(marker);
  return at == std::string::npos ? std::string() : text.substr(at + marker.size());
}

}  // namespace

TEST_CASE("fresh sandbox: nothing run N plants is visible to run N+1 on the same slot", "[fresh]") {
  require_images({"python"});
  TempDir dir;
  write_file(dir.path() / "runboxd.toml", images_root_config_line());
  DaemonOptions options;
  options.slots = 1;  // every run on the same slot
  options.config = dir.path() / "runboxd.toml";
  DaemonProcess d(options);

  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    const std::string planted = stdout_of(d.port(), kPlant + kPrintMounts);
    REQUIRE(planted.rfind("planted\n", 0) == 0);
    const std::string looked = stdout_of(d.port(), kLook + kPrintMounts);
    INFO(looked);
    CHECK(looked.find("found:") == std::string::npos);
    REQUIRE(looked.find("looked\n") != std::string::npos);
    // The same mounts, in the same order: nothing mounted or left over by an earlier run.
    CHECK(after(looked, "MOUNTS\n") == after(planted, "MOUNTS\n"));
  }
}

namespace {

// The network namespaces the daemon holds open (its pool), by inode: "net:[4026532441]" entries
// of its fd listing other than its own namespace.
std::set<std::string> pooled_netns(const DaemonProcess& d) {
  std::error_code ec;
  const std::string own = fs::read_symlink("/proc/" + std::to_string(d.pid()) + "/ns/net", ec).string();
  std::set<std::string> out;
  std::istringstream in(d.fd_listing());
  std::string line;
  while (std::getline(in, line)) {
    auto at = line.find("net:[");
    if (at != std::string::npos && line.substr(at) != own) out.insert(line.substr(at));
  }
  return out;
}

}  // namespace

TEST_CASE("fresh sandbox: a run enters a network namespace the daemon made before it, never one a run had", "[fresh]") {
  require_images({"python"});
  TempDir dir;
  write_file(dir.path() / "runboxd.toml", images_root_config_line());
  DaemonOptions options;
  options.slots = 2;
  options.config = dir.path() / "runboxd.toml";
  DaemonProcess d(options);

  // Inode numbers of freed namespaces are reused; a namespace's cookie (SO_NETNS_COOKIE) never is.
  std::set<std::string> cookies;
  for (int i = 0; i < 6; ++i) {
    CAPTURE(i);
    std::set<std::string> ready;
    REQUIRE(eventually([&] { return (ready = pooled_netns(d)).size() == 2; }, std::chrono::seconds(5)));
    const std::string out = stdout_of(d.port(),
                                      "import os, socket\n"
                                      "s = socket.socket()\n"
                                      "print(os.readlink('/proc/self/ns/net'))\n"
                                      "print(int.from_bytes(s.getsockopt(socket.SOL_SOCKET, 71, 8), 'little'))\n");
    std::istringstream lines(out);
    std::string inode, cookie;
    std::getline(lines, inode);
    std::getline(lines, cookie);
    INFO("entered " << inode << " (cookie " << cookie << "), pool before the run: " << ready.size());
    CHECK(ready.count(inode) == 1);  // one the daemon held, made before the run
    CHECK(cookies.insert(cookie).second);  // and no earlier run's
  }
}
