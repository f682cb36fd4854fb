// Usage statistics on the real daemon ([stats], GET /v1/stats, /v1/stats/keys/{name}): runs of
// two keys over /v1/run and Piston counted per runtime and status (judged runs' success
// included); a key sees only its own
// (403 for another's), the admin key every key's; the counts survive a SIGHUP and a restart; a
// corrupt file is logged, runs go on, the statistics answer 503.
#include <signal.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "ops_support.hpp"

using namespace runbox::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string kAlice = "rb_stats_alice_5d1c9e0b7a";
const std::string kBob = "rb_stats_bob_3f8a6c2e41";
const std::string kRoot = "rb_stats_root_9b7e5d3c10";


// A daemon of its own, a few runtimes: keys alice, bob and root (an admin key), the statistics file in its
// directory.
struct StatsDaemon {
  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
  StatsDaemon() {
    require_images({"python"});
    // python3, and go, which the default policy names (a quicker start and reload than all).
    fs::create_directories(dir.path() / "runtimes");
    for (const char* rt : {"python3", "go"})
      fs::copy_file(fs::path(RUNBOX_SOURCE_DIR) / "runtimes" / (std::string(rt) + ".toml"),
                    dir.path() / "runtimes" / (std::string(rt) + ".toml"));
    TestKey root{"root", kRoot};
    root.admin = true;
    write_keys_file(dir.path() / "keys.toml", {TestKey{"alice", kAlice}, TestKey{"bob", kBob}, root});
    write_file(dir.path() / "runboxd.toml", "keys = \"keys.toml\"\n" + images_root_config_line() +
                                                "\n[stats]\npath = \"stats/stats.sqlite\"\nretention_days = 2\n");
    start();
  }
  void start() {
    DaemonOptions o;
    o.slots = 2;
    o.config = dir.path() / "runboxd.toml";
    o.runtimes_dir = dir.path() / "runtimes";
    daemon = std::make_unique<DaemonProcess>(o);
  }
  std::uint16_t port() const { return daemon->port(); }
};

StatsDaemon& shared() {
  static StatsDaemon d;
  return d;
}

struct Reply {
  HttpResponse http;
  json::value body;
};

Reply call(std::uint16_t port, const std::string& method, const std::string& target, const std::string& key,
           const std::string& body = "") {
  Reply r;
  Headers h{{"Content-Type", "application/json"}};
  if (!key.empty()) h.push_back({"X-API-Key", key});
  r.http = http_request(port, method, target, body, h);
  boost::system::error_code ec;
  r.body = json::parse(r.http.body, ec);
  return r;
}

void run_python(std::uint16_t port, const std::string& key, const std::string& code, const std::string& want_status) {
  auto r = call(port, "POST", "/v1/run", key, json::serialize(run_body("python3", code)));
  INFO(r.http.status << " " << r.http.body);
  REQUIRE(r.http.status == 200);
  CHECK(as_str(r.body.at("run").at("status")) == want_status);
}

json::object stats(std::uint16_t port, const std::string& key, const std::string& target = "/v1/stats") {
  auto r = call(port, "GET", target, key);
  INFO(target << ": " << r.http.status << " " << r.http.body);
  REQUIRE(r.http.status == 200);
  REQUIRE(r.body.is_object());
  return r.body.as_object();
}

std::uint64_t count_of(const json::object& o) { return o.at("count").to_number<std::uint64_t>(); }

// python3's count with this status in the answer (0 when absent).
std::uint64_t python_status(const json::object& o, const std::string& status) {
  const auto* rt = o.at("runtimes").as_object().if_contains("python3");
  if (!rt) return 0;
  const auto* s = rt->at("statuses").as_object().if_contains(status);
  return s ? s->at("count").to_number<std::uint64_t>() : 0;
}

// The writer is asynchronous: a finished run shows up a moment after its answer.
json::object stats_when(std::uint16_t port, std::uint64_t total) {
  json::object o;
  eventually([&] { return count_of(o = stats(port, kRoot)) >= total; }, 5s);
  return o;
}

}  // namespace

TEST_CASE("stats: runs counted per runtime and status, each key its own, the admin key all", "[stats]") {
  auto& d = shared();
  run_python(d.port(), kAlice, "print('hi')", "ok");
  run_python(d.port(), kAlice, "print('hi again')", "ok");
  run_python(d.port(), kAlice, "import sys\nsys.exit(3)", "runtime_error");
  // Bob's run goes through the Piston facade: every transport is accounted by the same record.
  auto piston = http_request(d.port(), "POST", "/api/v2/execute",
                             R"J({"language":"python","version":"*","files":[{"content":"print(2)"}]})J",
                             {{"Content-Type", "application/json"}, {"X-API-Key", kBob}});
  REQUIRE(piston.status == 200);

  const json::object all = stats_when(d.port(), 4);
  INFO(json::serialize(all));
  CHECK(all.at("available").as_bool());
  CHECK(all.at("hours").to_number<std::int64_t>() == 24);
  CHECK(all.at("key").is_null());
  CHECK(as_str(all.at("since")).ends_with("Z"));
  CHECK(count_of(all) == 4);
  const auto& py = all.at("runtimes").at("python3").as_object();
  CHECK(py.at("count").to_number<std::uint64_t>() == 4);
  CHECK(py.at("success_rate").as_double() == Approx(0.75));
  CHECK(python_status(all, "ok") == 3);
  CHECK(python_status(all, "runtime_error") == 1);
  CHECK(py.at("statuses").at("runtime_error").at("success_rate").as_double() == 0);
  const auto& wall = py.at("wall_ms").as_object();
  CHECK(wall.at("p50").to_number<std::uint64_t>() > 0);
  CHECK(wall.at("p50").to_number<std::uint64_t>() <= wall.at("p90").to_number<std::uint64_t>());
  CHECK(wall.at("p90").to_number<std::uint64_t>() <= wall.at("p99").to_number<std::uint64_t>());
  CHECK(py.at("cpu_ms").as_object().contains("p99"));
  CHECK(py.at("memory_kb").at("max").to_number<std::uint64_t>() > 1000);  // a python interpreter's peak
  CHECK(py.at("memory_kb").at("mean").as_double() > 0);

  // Alice's /v1/stats is hers alone; another key's is forbidden; her own by name is the same.
  const json::object mine = stats(d.port(), kAlice);
  CHECK(as_str(mine.at("key")) == "alice");
  CHECK(count_of(mine) == 3);
  CHECK(python_status(mine, "runtime_error") == 1);
  CHECK(count_of(stats(d.port(), kAlice, "/v1/stats/keys/alice")) == 3);
  auto other = call(d.port(), "GET", "/v1/stats/keys/bob", kAlice);
  CHECK(other.http.status == 403);
  CHECK(as_str(other.body.at("error").at("code")) == "forbidden");
  CHECK(count_of(stats(d.port(), kBob)) == 1);
  // The admin key reads any key's.
  const json::object bob = stats(d.port(), kRoot, "/v1/stats/keys/bob?hours=48");
  CHECK(count_of(bob) == 1);
  CHECK(bob.at("hours").to_number<std::int64_t>() == 48);
  CHECK(count_of(stats(d.port(), kRoot, "/v1/stats/keys/nobody")) == 0);  // no runs: empty, not 404
}

TEST_CASE("stats: bad hours, methods and missing keys are refused precisely", "[stats]") {
  auto& d = shared();
  for (const char* q : {"?hours=0", "?hours=49", "?hours=abc", "?hours=1.5"}) {
    auto r = call(d.port(), "GET", std::string("/v1/stats") + q, kRoot);
    INFO(q << ": " << r.http.body);
    CHECK(r.http.status == 400);
    CHECK(as_str(r.body.at("error").at("code")) == "invalid_hours");
    CHECK_THAT(as_str(r.body.at("error").at("message")), Catch::Contains("1 to 48"));
  }
  auto unknown = call(d.port(), "GET", "/v1/stats?days=1", kRoot);
  CHECK(unknown.http.status == 400);
  auto bad_name = call(d.port(), "GET", "/v1/stats/keys/a%20b", kRoot);
  CHECK(bad_name.http.status == 400);
  CHECK(call(d.port(), "POST", "/v1/stats", kRoot).http.status == 405);
  CHECK(call(d.port(), "GET", "/v1/stats", "").http.status == 401);
  CHECK(call(d.port(), "GET", "/v1/stats/keys/alice", "").http.status == 401);
  auto metrics = http_get(d.port(), "/metrics");
  CHECK_THAT(metrics.body, Catch::Contains("runbox_stats_dropped_total 0") &&
                               Catch::Contains("runbox_stats_write_errors_total 0") &&
                               Catch::Contains(R"(endpoint="/v1/stats")") &&
                               Catch::Contains(R"(endpoint="/v1/stats/keys/{name}")"));
}

TEST_CASE("stats: a judged run succeeds when every test is accepted", "[stats]") {
  auto& d = shared();
  const std::uint64_t bob_before = count_of(stats(d.port(), kBob));
  for (const char* expected : {"x\n", "y\n"}) {
    json::object body = run_body("python3", "print('x')");
    body["tests"] = json::array{json::object{{"stdin", ""}, {"expected_stdout", expected}}};
    auto r = call(d.port(), "POST", "/v1/run", kBob, json::serialize(body));
    INFO(r.http.body);
    REQUIRE(r.http.status == 200);
  }
  json::object bob;
  eventually([&] { return count_of(bob = stats(d.port(), kBob)) >= bob_before + 2; }, 5s);
  INFO(json::serialize(bob));
  CHECK(python_status(bob, "judged") == 2);
  CHECK(bob.at("runtimes").at("python3").at("statuses").at("judged").at("success_rate").as_double() == Approx(0.5));
}

TEST_CASE("stats: the counts survive a SIGHUP and a restart", "[stats]") {
  auto& d = shared();
  const std::uint64_t before = count_of(stats_when(d.port(), 6));
  const auto reloads = log_events(*d.daemon, "reload").size();
  REQUIRE(::kill(d.daemon->pid(), SIGHUP) == 0);
  REQUIRE(eventually([&] { return log_events(*d.daemon, "reload").size() > reloads; }, 60s));
  CHECK(count_of(stats(d.port(), kRoot)) == before);
  run_python(d.port(), kBob, "print('after the reload')", "ok");
  CHECK(count_of(stats_when(d.port(), before + 1)) == before + 1);

  d.daemon->stop();
  d.start();
  const json::object again = stats(d.port(), kRoot);
  CHECK(count_of(again) == before + 1);
  CHECK(python_status(again, "runtime_error") == 1);
  CHECK(count_of(stats(d.port(), kAlice)) == 3);
  CHECK(log_events(*d.daemon, "stats_unavailable").empty());
}

TEST_CASE("stats: a corrupt file is logged, runs are still served, the statistics answer 503", "[stats]") {
  auto& d = shared();
  d.daemon->stop();
  {
    std::string garbage;
    for (int i = 0; i < 300; ++i) garbage += "not a database, just garbage ";
    write_file(d.dir.path() / "stats" / "stats.sqlite", garbage);
    fs::remove(d.dir.path() / "stats" / "stats.sqlite-wal");
    fs::remove(d.dir.path() / "stats" / "stats.sqlite-shm");
  }
  d.start();
  const auto lines = log_events(*d.daemon, "stats_unavailable");
  REQUIRE(lines.size() == 1);
  CHECK(as_str(lines[0].at("path")) == (d.dir.path() / "stats" / "stats.sqlite").string());
  CHECK_THAT(as_str(lines[0].at("error")), Catch::Contains("not a database"));
  run_python(d.port(), kAlice, "print('still served')", "ok");
  auto r = call(d.port(), "GET", "/v1/stats", kRoot);
  CHECK(r.http.status == 503);
  CHECK(as_str(r.body.at("error").at("code")) == "stats_unavailable");
  CHECK_THAT(as_str(r.body.at("error").at("message")), Catch::Contains("not a database"));
}
