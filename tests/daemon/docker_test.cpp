// The docker backend through the real daemon and a real Docker engine: python3, c and java give
// the same answers as natively (hello, stdin, args, exit code, stderr, crash, compile error,
// judge); each limit status comes back through docker too; the untrusted tier forces docker
// under gVisor; an engine that dies mid-run gives that run a clear error while the daemon and
// its native runs carry on, and runs through docker work again once the engine is back.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <future>
#include <thread>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "docker_support.hpp"
#include "ops_support.hpp"
#include "runtime_checks.hpp"

using namespace runbox::test;
namespace fs = std::filesystem;

namespace {

const std::string kNativeKey = "rb_native_key_31c0d9e2a4b7";
const std::string kDockerKey = "rb_docker_key_8e5f1a7c2d90";
const std::string kUntrustedKey = "rb_untrusted_key_4a9b2c6e1f03";

Headers with_key(const std::string& key) { return {{"X-API-Key", key}, {"Content-Type", "application/json"}}; }

// The shipped default policy with [backend] force = "docker", written to `file`; as another
// tier beside the default one it needs a uid range of its own (tiers' ranges may not overlap).
void write_docker_policy(const fs::path& policies, const fs::path& file, bool own_uids = true) {
  std::ifstream in(policies / "default.toml");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  if (own_uids) {
    auto at = text.find("first = 900000");
    REQUIRE(at != std::string::npos);
    text.replace(at, 14, "first = 920000");
  }
  write_file(file, text + "\n[backend]\nforce = \"docker\"\n");
}

// One daemon for the group, reaching the engine through a relay the test can cut. Three keys:
// the default tier (native), a "dockered" tier (the default policy with [backend] force =
// "docker", engine's default runtime: fast) and "untrusted" (the shipped tier: docker + runsc).
struct DockerDaemon {
  TempDir dir;
  std::unique_ptr<EngineRelay> relay;
  std::unique_ptr<DaemonProcess> daemon;
  DockerDaemon() {
    require_images({"python", "gcc", "java"});
    require_docker_engine();
    fs::path policies = copy_policies(dir.path());
    write_docker_policy(policies, policies / "dockered.toml");
    write_keys_file(dir.path() / "keys.toml", {{"native", kNativeKey, "default"},
                                               {"docker", kDockerKey, "dockered"},
                                               {"untrusted", kUntrustedKey, "untrusted"}});
    relay = std::make_unique<EngineRelay>(dir.path() / "engine.sock");
    write_file(dir.path() / "runboxd.toml",
               "keys = \"keys.toml\"\nqueue_size = 64\ndocker_socket = \"" + relay->path().string() + "\"\n" +
                   images_root_config_line());
    DaemonOptions o;
    o.slots = 2;
    o.config = dir.path() / "runboxd.toml";
    o.policies_dir = policies;
    daemon = std::make_unique<DaemonProcess>(o);
  }
};

DockerDaemon& docker_daemon() {
  static DockerDaemon d;
  return d;
}

// Runs body with the docker-tier key; the run Stage of a 200 answer on the docker backend.
json::object docker_run(const json::object& body, const std::string& key = kDockerKey) {
  DaemonProcess& d = *docker_daemon().daemon;
  auto r = http_request(d.port(), "POST", "/v1/run", json::serialize(body), with_key(key));
  INFO("request " << json::serialize(body) << "\nanswer " << r.status << " " << r.body);
  REQUIRE(r.status == 200);
  auto v = json::parse(r.body).as_object();
  CHECK(v.at("backend") == "docker");
  if (v.at("compile").is_object()) REQUIRE(v.at("compile").at("status") == "ok");
  REQUIRE(v.at("run").is_object());
  check_stage_shape(v.at("run"));
  return v.at("run").as_object();
}

json::object with_limits(json::object body, json::object limits) {
  body["limits"] = std::move(limits);
  return body;
}

std::int64_t num(const json::value& v) { return v.is_int64() ? v.get_int64() : static_cast<std::int64_t>(v.get_uint64()); }

// A daemon whose default tier forces docker: check_runtime_on posts without keys.
struct DefaultDockerDaemon {
  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
  DefaultDockerDaemon() {
    require_images({"python", "gcc", "java"});
    require_docker_engine();
    fs::path policies = copy_policies(dir.path());
    write_docker_policy(policies, policies / "default.toml", false);
    write_file(dir.path() / "runboxd.toml", "queue_size = 64\n" + images_root_config_line());
    DaemonOptions o;
    o.slots = 2;
    o.config = dir.path() / "runboxd.toml";
    o.policies_dir = policies;
    daemon = std::make_unique<DaemonProcess>(o);
  }
};

DaemonProcess& default_docker_daemon() {
  static DefaultDockerDaemon d;
  return *d.daemon;
}

}  // namespace

TEST_CASE("docker backend: python3 answers as natively", "[docker]") {
  check_runtime_on(default_docker_daemon(), "python3", "docker");
}
TEST_CASE("docker backend: c answers as natively", "[docker]") { check_runtime_on(default_docker_daemon(), "c", "docker"); }
TEST_CASE("docker backend: java answers as natively", "[docker]") {
  check_runtime_on(default_docker_daemon(), "java", "docker");
}

TEST_CASE("docker backend: a busy loop over cpu_ms ends time_limit", "[docker]") {
  auto run = docker_run(with_limits(run_body("python3", "while True:\n    pass\n"), {{"cpu_ms", 500}, {"wall_ms", 10000}}));
  INFO(json::serialize(run));
  CHECK(run.at("status") == "time_limit");
  CHECK(num(run.at("cpu_ms")) >= 450);
  CHECK(num(run.at("cpu_ms")) < 2500);
}

// The untrusted tier forces every run onto docker, where a 0 limit would have meant none: a
// 0 memory_mb ran 300 MB and answered ok, pids 0 allowed 100 forks. Refused now, as natively.
TEST_CASE("docker backend: memory_mb 0 and pids 0 are refused with 422 limit_below_minimum", "[docker]") {
  DaemonProcess& d = *docker_daemon().daemon;
  for (const char* field : {"memory_mb", "pids", "cpus"}) {
    auto body = with_limits(run_body("python3", "b = bytearray(300 * 1024 * 1024)\nprint('ran')\n"), {{field, 0}});
    auto r = http_request(d.port(), "POST", "/v1/run", json::serialize(body), with_key(kDockerKey));
    INFO(field << ": " << r.status << " " << r.body);
    check_error(RunReply{r, json::parse(r.body), ""}, 422, "limit_below_minimum");
    CHECK_THAT(r.body, Catch::Contains(std::string("limits.") + field));
  }
}

// cpus reaches the container as NanoCpus.
TEST_CASE("docker backend: cpus 0.5 holds 4 busy processes to at most 0.6 x the wall time of CPU", "[docker]") {
  auto run = docker_run(with_limits(run_body("python3",
                                             "import os, time\n"
                                             "for i in range(4):\n"
                                             "    if os.fork() == 0:\n"
                                             "        while True: pass\n"
                                             "time.sleep(1.5)\n"),
                                    {{"cpus", 0.5}, {"cpu_ms", 20000}, {"wall_ms", 20000}}));
  INFO(json::serialize(run));
  std::printf("daemon docker: cpus 0.5, 4 busy processes: cpu_ms=%lld wall_ms=%lld\n",
              static_cast<long long>(num(run.at("cpu_ms"))), static_cast<long long>(num(run.at("wall_ms"))));
  CHECK(run.at("status") == "ok");
  CHECK(num(run.at("wall_ms")) >= 1500);
  CHECK(static_cast<double>(num(run.at("cpu_ms"))) <= 0.6 * static_cast<double>(num(run.at("wall_ms"))));
}

TEST_CASE("docker backend: a sleep over wall_ms ends wall_time_limit", "[docker]") {
  auto run = docker_run(with_limits(run_body("python3", "import time\ntime.sleep(30)\n"), {{"wall_ms", 1000}}));
  INFO(json::serialize(run));
  CHECK(run.at("status") == "wall_time_limit");
  CHECK(num(run.at("wall_ms")) >= 950);
  CHECK(num(run.at("wall_ms")) < 5000);
}

TEST_CASE("docker backend: allocating 512 MB under memory_mb 128 ends memory_limit", "[docker]") {
  auto run = docker_run(with_limits(run_body("python3", "b = bytearray(512 * 1024 * 1024)\nprint('survived')\n"),
                                    {{"memory_mb", 128}}));
  INFO(json::serialize(run));
  CHECK(run.at("status") == "memory_limit");
  CHECK(as_str(run.at("stdout")).find("survived") == std::string::npos);
}

TEST_CASE("docker backend: printing 2 MB under output_kb 64 ends output_limit, cut and flagged", "[docker]") {
  auto run = docker_run(with_limits(run_body("python3", "import sys\nsys.stdout.write('x' * (2 * 1024 * 1024))\n"),
                                    {{"output_kb", 64}}));
  const auto out = as_str(run.at("stdout"));
  INFO("status " << run.at("status") << ", stdout " << out.size() << " bytes");
  CHECK(run.at("status") == "output_limit");
  CHECK(run.at("stdout_truncated") == true);
  CHECK(out.size() <= 64 * 1024);
  CHECK(out.find_first_not_of('x') == std::string::npos);
}

TEST_CASE("docker backend: forking past pids 16 fails the forks", "[docker]") {
  auto run = docker_run(with_limits(run_body("c", R"(#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  int ok = 0, failed = 0;
  for (int i = 0; i < 64; ++i) {
    pid_t p = fork();
    if (p == 0) { sleep(1); _exit(0); }
    if (p < 0) ++failed; else ++ok;
  }
  while (wait(NULL) > 0) {}
  printf("forked %d, failed %d\n", ok, failed);
  return 0;
}
)"),
                                    {{"pids", 16}}));
  INFO(json::serialize(run));
  CHECK((run.at("status") == "ok" || run.at("status") == "runtime_error"));
  int ok = -1, failed = -1;
  REQUIRE(std::sscanf(as_str(run.at("stdout")).c_str(), "forked %d, failed %d", &ok, &failed) == 2);
  CHECK(ok <= 15);
  CHECK(failed >= 49);
}

TEST_CASE("docker backend: no network, read-only root, nobody, no capabilities", "[docker]") {
  auto run = docker_run(run_body("python3", R"(import os, socket
print(os.getuid(), os.getgid())
try:
    open('/usr/x', 'w'); print('rootfs writable')
except OSError as e: print('rootfs', e.errno)
try:
    socket.create_connection(('1.1.1.1', 53), timeout=1); print('network')
except OSError as e: print('no network')
print([l for l in open('/proc/self/status') if l.startswith(('CapEff', 'NoNewPrivs', 'Seccomp:'))])
open('/box/out.txt', 'w').write('box is writable')
print(open('/box/out.txt').read())
)"));
  INFO(json::serialize(run));
  const std::string out = as_str(run.at("stdout"));
  CHECK(run.at("status") == "ok");
  CHECK_THAT(out, Catch::StartsWith("65534 65534\n"));
  CHECK_THAT(out, Catch::Contains("rootfs 30"));  // EROFS
  CHECK_THAT(out, Catch::Contains("no network"));
  CHECK_THAT(out, Catch::Contains("CapEff:\\t0000000000000000"));
  CHECK_THAT(out, Catch::Contains("NoNewPrivs:\\t1"));
  CHECK_THAT(out, Catch::Contains("Seccomp:\\t2"));
  CHECK_THAT(out, Catch::Contains("box is writable"));
}

TEST_CASE("tiers: a key of the default tier runs natively, the untrusted tier on docker with gVisor", "[docker]") {
  DaemonProcess& d = *docker_daemon().daemon;
  const std::string body = json::serialize(run_body("python3", "print('tiered')\n"));
  auto native = http_request(d.port(), "POST", "/v1/run", body, with_key(kNativeKey));
  INFO(native.body);
  REQUIRE(native.status == 200);
  CHECK(json::parse(native.body).at("backend") == "native");

  auto untrusted = http_request(d.port(), "POST", "/v1/run", body, with_key(kUntrustedKey));
  INFO(untrusted.body);
  if (!docker_has_runtime("runsc")) {
    // Never weaker: without gVisor the untrusted tier is refused, not run under runc.
    check_error(RunReply{untrusted, json::parse(untrusted.body), ""}, 503, "runtime_unavailable");
    CHECK_THAT(untrusted.body, Catch::Contains("runsc"));
    return;
  }
  REQUIRE(untrusted.status == 200);
  auto v = json::parse(untrusted.body);
  CHECK(v.at("backend") == "docker");
  CHECK(v.at("run").at("status") == "ok");
  CHECK(v.at("run").at("stdout") == "tiered\n");
  // gVisor's kernel says so in dmesg-like /proc/version.
  auto k = http_request(d.port(), "POST", "/v1/run",
                        json::serialize(run_body("python3", "print(open('/proc/version').read())\n")), with_key(kUntrustedKey));
  CHECK_THAT(k.body, !Catch::Contains(read_file("/proc/version").substr(0, 40)));

  bool logged = false;
  for (auto& o : log_events(d, "request"))
    if (o.at("key") == "untrusted" && o.at("backend") == "docker") logged = true;
  CHECK(logged);
}

TEST_CASE("docker engine death: the run gets a clear error, native runs go on, docker comes back", "[docker]") {
  DockerDaemon& dd = docker_daemon();
  DaemonProcess& d = *dd.daemon;
  // A docker run in flight when the engine goes away.
  auto in_flight = std::async(std::launch::async, [&] {
    return http_request(d.port(), "POST", "/v1/run",
                        json::serialize(run_body("python3", "import time\ntime.sleep(4)\nprint('done')\n")),
                        with_key(kDockerKey));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  dd.relay->cut();
  auto r = in_flight.get();
  INFO(r.status << " " << r.body);
  REQUIRE(r.status == 200);
  auto v = json::parse(r.body);
  CHECK(v.at("backend") == "docker");
  CHECK(v.at("run").at("status") == "internal_error");
  CHECK_THAT(as_str(v.at("run").at("stderr")), Catch::Contains("docker"));

  // New docker runs: 503 runtime_unavailable naming the engine; /readyz says docker is down but
  // stays ready (native runtimes work); native runs are untouched.
  auto refused = http_request(d.port(), "POST", "/v1/run", json::serialize(run_body("python3", "print(1)\n")),
                              with_key(kDockerKey));
  INFO(refused.body);
  CHECK(refused.status == 503);
  CHECK(json::parse(refused.body).at("error").at("code") == "runtime_unavailable");
  CHECK_THAT(refused.body, Catch::Contains("docker"));
  auto ready = http_get(d.port(), "/readyz");
  INFO(ready.body);
  CHECK(ready.status == 200);
  CHECK(json::parse(ready.body).at("docker") != "ok");
  auto native = http_request(d.port(), "POST", "/v1/run", json::serialize(run_body("python3", "print('native')\n")),
                             with_key(kNativeKey));
  INFO(native.body);
  REQUIRE(native.status == 200);
  CHECK(json::parse(native.body).at("run").at("stdout") == "native\n");

  // The engine is back: docker runs work again without a restart or reload.
  dd.relay->resume();
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // the engine's state is re-checked each second
  auto again = docker_run(run_body("python3", "print('back')\n"));
  CHECK(again.at("stdout") == "back\n");
  CHECK(d.running());
}

TEST_CASE("backend as data: a runtime file's backend = docker, the policy's fallback, and the start-up sweep", "[docker]") {
  require_images({"python"});
  require_docker_engine();
  TempDir dir;
  // Runtimes: python3 with an image this host lacks (natively unrunnable: the policy's
  // fallback sends it to docker, where runbox/python:latest has it), and "python3d", a
  // runtime whose file says backend = "docker".
  fs::path runtimes = dir.path() / "runtimes";
  fs::copy(fs::path(RUNBOX_SOURCE_DIR) / "runtimes", runtimes, fs::copy_options::recursive);
  {
    std::ifstream in(runtimes / "python3.toml");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    auto pos = text.find("image = \"python\"");
    REQUIRE(pos != std::string::npos);
    text.replace(pos, 16, "image = \"no-such-image\"\ndocker_image = \"runbox/python:latest\"");
    write_file(runtimes / "python3.toml", text);
  }
  write_file(runtimes / "python3d.toml",
             "name = \"python3d\"\nimage = \"python\"\nbackend = \"docker\"\nsource_file = \"main.py\"\n"
             "run = [\"python3\", \"main.py\"]\nversion = [\"python3\", \"--version\"]\n");
  fs::path policies = copy_policies(dir.path());
  {
    std::ifstream in(policies / "default.toml");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    write_file(policies / "default.toml", text + "\n[backend]\nfallback = \"docker\"\n");
  }

  // Leftovers: a container of a runboxd that is gone (pid 999999 is beyond pid_max here) must
  // go at start-up; a runbox container of another tool (no daemon label) must stay.
  auto make_container = [](const std::string& labels) {
    std::string body = R"({"Image":"runbox/python:latest","Cmd":["true"],"Labels":)" + labels + "}";
    return docker_create_container(body);
  };
  const std::string orphan = make_container(R"({"io.runbox.managed":"true","io.runbox.daemon":"999999"})");
  const std::string foreign = make_container(R"({"io.runbox.managed":"true","io.runbox.purpose":"test-keep"})");
  REQUIRE(!orphan.empty());
  REQUIRE(!foreign.empty());

  write_file(dir.path() / "runboxd.toml", images_root_config_line());
  DaemonOptions o;
  o.slots = 2;
  o.config = dir.path() / "runboxd.toml";
  o.policies_dir = policies;
  o.runtimes_dir = runtimes;
  DaemonProcess d(o);

  auto ids = runbox_containers();
  CHECK(std::find(ids.begin(), ids.end(), orphan) == ids.end());
  CHECK(std::find(ids.begin(), ids.end(), foreign) != ids.end());
  docker_remove_container(foreign);

  auto listed = json::parse(http_get(d.port(), "/v1/runtimes").body).as_array();
  for (const auto& rt : listed) {
    if (rt.at("name") == "python3d" || rt.at("name") == "python3") {
      INFO(json::serialize(rt));
      CHECK(rt.at("backend") == "docker");
      CHECK(rt.at("version") == "Python 3.11.2");  // python3: probed through docker
      CHECK_FALSE(rt.as_object().contains("error"));
    }
  }
  for (const char* runtime : {"python3d", "python3"}) {
    INFO(runtime);
    auto r = post_run(d.port(), run_body(runtime, "print('from docker')\n"));
    INFO(r.describe());
    REQUIRE(r.http.status == 200);
    CHECK(r.obj().at("backend") == "docker");
    CHECK(r.obj().at("run").at("stdout") == "from docker\n");
  }
  bool fallback_logged = false;
  for (auto& line : log_events(d, "request"))
    if (line.at("runtime") == "python3" && line.contains("backend_reason") && line.at("backend_reason") == "fallback")
      fallback_logged = true;
  CHECK(fallback_logged);
  // Natively runnable runtimes are untouched.
  auto native = post_run(d.port(), run_body("bash", "echo native"));
  REQUIRE(native.http.status == 200);
  CHECK(native.obj().at("backend") == "native");
}

TEST_CASE("docker engine hung: HTTP threads never wait for it; docker is reported down, native runs go on", "[docker]") {
  DockerDaemon& dd = docker_daemon();
  DaemonProcess& d = *dd.daemon;
  dd.relay->hang();
  // Every answer stays quick while the engine swallows requests (the engine is asked on a
  // thread of its own; a ping gives up after 1.5 s).
  for (int i = 0; i < 5; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto ready = http_get(d.port(), "/readyz");
    auto runtimes = http_request(d.port(), "GET", "/v1/runtimes", "", with_key(kNativeKey));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(seconds < 0.5);
    CHECK(ready.status == 200);
    CHECK(runtimes.status == 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  REQUIRE(eventually([&] { return json::parse(http_get(d.port(), "/readyz").body).at("docker") != "ok"; },
                     std::chrono::seconds(10)));
  auto native = http_request(d.port(), "POST", "/v1/run", json::serialize(run_body("python3", "print('native')\n")),
                             with_key(kNativeKey));
  REQUIRE(native.status == 200);
  CHECK(json::parse(native.body).at("run").at("stdout") == "native\n");
  auto refused = http_request(d.port(), "POST", "/v1/run", json::serialize(run_body("python3", "print(1)\n")),
                              with_key(kDockerKey));
  CHECK(refused.status == 503);

  dd.relay->unhang();
  REQUIRE(eventually([&] { return json::parse(http_get(d.port(), "/readyz").body).at("docker") == "ok"; },
                     std::chrono::seconds(10)));
  auto again = docker_run(run_body("python3", "print('unhung')\n"));
  CHECK(again.at("stdout") == "unhung\n");
}
