// What one request may make runboxd hold and do (policy [request]): at most max_tests tests, at
// most max_answer_output_mb of output in one answer (then output_limit), the daemon's memory
// for the worst request the default policy allows, and no more tests once the client has gone.
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <thread>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "ops_support.hpp"
#include "test_env.hpp"

using namespace runbox::test;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

// A "VmHWM:"-style line of /proc/<pid>/status, in bytes (0 when the process is gone).
std::uint64_t proc_status_bytes(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + ":", 0) == 0) return std::stoull(line.substr(key.size() + 1)) * 1024;
  return 0;
}

// Writes 16 MiB of \x01 (the default policy's maximum output_kb, 16384) to stdout, then as much to
// stderr; with an argument it prints nothing at all.
const char* kFlood = R"(#include <string.h>
#include <unistd.h>
static char buf[65536];
int main(int argc, char** argv) {
  (void)argv;
  if (argc > 1) return 0;
  memset(buf, 1, sizeof buf);
  for (int fd = 1; fd <= 2; ++fd)
    for (int i = 0; i < 256; ++i)
      if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) return 1;
  return 0;
}
)";

std::string http_post_text(const json::value& body) {
  const std::string text = json::serialize(body);
  return "POST /v1/run HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(text.size()) + "\r\n\r\n" + text;
}

std::int64_t num(const json::value& v) { return v.is_int64() ? v.get_int64() : static_cast<std::int64_t>(v.get_uint64()); }

}  // namespace

TEST_CASE("the worst request the default policy allows grows runboxd by at most 256 MB; over-budget tests end output_limit",
          "[bounds]") {
  require_images({"gcc"});
  TempDir dir;
  write_file(dir.path() / "runboxd.toml", images_root_config_line());
  DaemonOptions options;
  options.slots = 1;
  options.config = dir.path() / "runboxd.toml";
  DaemonProcess d(options);  // its own: its peak memory is this test's alone

  // Warm up (first run, threads, allocator arenas), then take the baseline.
  RunReply warm = post_run(d.port(), run_body("c", "int main(void) { return 0; }\n"));
  REQUIRE(warm.http.status == 200);
  const std::uint64_t before = proc_status_bytes(d.pid(), "VmHWM");
  REQUIRE(before > 0);

  // 256 tests (the maximum), each printing 16 MiB of \x01 on stdout and on stderr (the maximum
  // per stream) in utf8 encoding, where each such byte is 6 bytes of JSON. The body is filled up
  // to its 10 MiB limit with expected output, which the daemon holds while the tests run. The
  // last test prints nothing: once the budget is spent, such a test still gets its verdict.
  json::object body = run_body("c", kFlood);
  body["limits"] = json::object{{"output_kb", 16384}, {"wall_ms", 10000}};
  json::array tests;
  const std::string padding(38000, 'x');
  for (int i = 0; i < 256; ++i) {
    json::object t{{"expected_stdout", i == 255 ? std::string() : padding}};
    if (i == 255) t["args"] = json::array{"quiet"};
    tests.push_back(std::move(t));
  }
  body["tests"] = std::move(tests);
  const std::string text = json::serialize(body);
  REQUIRE(text.size() > 9 * kMiB);
  REQUIRE(text.size() < 10 * kMiB);

  // On a daemon without the bound this request asks for gigabytes: stop it well before the
  // machine suffers (the assertion below then fails).
  std::atomic<bool> done{false}, killed{false};
  std::atomic<std::uint64_t> peak_seen{0};
  std::thread watchdog([&] {
    while (!done) {
      const std::uint64_t rss = proc_status_bytes(d.pid(), "VmRSS");
      peak_seen = std::max<std::uint64_t>(peak_seen, rss);
      if (rss > before + 768 * kMiB) {
        killed = true;
        ::kill(d.pid(), SIGKILL);
        return;
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
  });
  RunReply r = post_raw(d.port(), text);
  const std::uint64_t after = std::max(proc_status_bytes(d.pid(), "VmHWM"), before);
  done = true;
  watchdog.join();
  INFO("answer: " << r.describe().substr(0, 600));
  INFO("VmRSS seen while it ran: up to " << peak_seen / kMiB << " MiB");
  if (killed) FAIL("runboxd passed " << (before + 768 * kMiB) / kMiB << " MiB of RSS (" << before / kMiB
                                     << " MiB before the request) and was stopped");
  const double grown_mb = static_cast<double>(after - before) / static_cast<double>(kMiB);
  INFO("VmHWM before " << before / kMiB << " MiB, after " << after / kMiB << " MiB: grown " << grown_mb << " MiB");
  REQUIRE(r.http.status == 200);
  CHECK(after - before <= 256 * kMiB);
  WARN("runboxd's peak memory grew by " << grown_mb << " MiB for an answer of " << r.http.body.size() / kMiB << " MiB");

  // The answer is complete JSON with one result per test; the output it carries is the budget.
  REQUIRE(r.body.is_object());
  const auto& o = r.obj();
  REQUIRE(o.at("compile").at("status") == "ok");
  const auto& results = o.at("tests").as_array();
  REQUIRE(results.size() == 256);
  std::uint64_t carried = 0;
  for (const auto& t : results) carried += t.at("stdout").as_string().size() + t.at("stderr").as_string().size();
  CHECK(carried == 16 * kMiB);
  // The first test fills the budget with its stdout; its stderr does not fit.
  const auto& first = results[0].as_object();
  CHECK(first.at("status") == "output_limit");
  CHECK(first.at("verdict") == "output_limit");
  CHECK(first.at("stdout").as_string().size() == 16 * kMiB);
  CHECK(first.at("stdout").as_string().find_first_not_of('\x01') == json::string::npos);
  CHECK(first.at("stdout_truncated") == false);
  CHECK(first.at("stderr") == "");
  CHECK(first.at("stderr_truncated") == true);
  // The others print into a spent budget: output_limit at once, nothing carried.
  for (std::size_t i = 1; i < 255; ++i) {
    INFO("test " << i << ": " << json::serialize(results[i]).substr(0, 300));
    CHECK(results[i].at("status") == "output_limit");
    CHECK(results[i].at("verdict") == "output_limit");
    CHECK(results[i].at("stdout") == "");
    CHECK(results[i].at("stdout_truncated") == true);
    CHECK(results[i].at("stderr") == "");
  }
  CHECK(results[255].at("verdict") == "accepted");
  check_stage_shape(results[255]);
}

TEST_CASE("the answer's output budget in base64: the same cut, the bytes intact", "[bounds]") {
  require_images({"python"});
  DaemonProcess& d = shared_daemon();
  // 3 tests of 10 MiB stdout each under the 16 MiB budget: the first whole, the second cut to
  // the 6 MiB left, the third gets nothing.
  json::object body = run_body("python3", "import os\nos.write(1, bytes(range(256)) * (40 * 1024))\n");
  body["encoding"] = "base64";
  body["limits"] = json::object{{"output_kb", 16384}};
  body["tests"] = json::array{json::object{{"expected_stdout", ""}}, json::object{{"expected_stdout", ""}},
                              json::object{{"expected_stdout", ""}}};
  RunReply r = post_run(d.port(), body);
  INFO(r.describe().substr(0, 600));
  REQUIRE(r.http.status == 200);
  const auto& results = r.obj().at("tests").as_array();
  REQUIRE(results.size() == 3);
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  std::string full;
  for (int i = 0; i < 40 * 1024; ++i) full += all;
  auto bytes_of = [](const json::value& v) {  // base64 decode (the alphabet, then '=' padding)
    static const std::string abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : v.as_string()) {
      if (c == '=') break;
      acc = acc << 6 | static_cast<std::uint32_t>(abc.find(c));
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out += static_cast<char>(acc >> bits & 0xff);
      }
    }
    return out;
  };
  CHECK(results[0].at("status") == "ok");
  CHECK(bytes_of(results[0].at("stdout")) == full);
  CHECK(results[1].at("status") == "output_limit");
  CHECK(results[1].at("stdout_truncated") == true);
  CHECK(bytes_of(results[1].at("stdout")) == full.substr(0, 6 * kMiB));
  CHECK(results[2].at("status") == "output_limit");
  CHECK(results[2].at("stdout") == "");
}

TEST_CASE("257 tests are refused with 422 limit_exceeds_policy naming tests and the maximum 256", "[bounds]") {
  require_images({"python"});
  DaemonProcess& d = shared_daemon();
  json::object body = run_body("python3", "print(1)\n");
  json::array tests;
  for (int i = 0; i < 257; ++i) tests.push_back(json::object{{"expected_stdout", "1"}});
  body["tests"] = std::move(tests);
  RunReply r = post_run(d.port(), body);
  check_error(r, 422, "limit_exceeds_policy");
  const std::string message(r.obj().at("error").at("message").as_string());
  CHECK_THAT(message, Catch::Contains("tests") && Catch::Contains("256"));
}

TEST_CASE("a client that hangs up during a judge run: the remaining tests are not run", "[bounds]") {
  require_images({"python"});
  DaemonProcess& d = shared_daemon();
  auto stages = [&] { return metric_sum(http_get(d.port(), "/metrics").body, "runbox_stages_total"); };
  auto requests = [&] { return log_events(d, "request").size(); };
  const double stages_before = stages();
  const std::size_t requests_before = requests();

  // 30 tests of 0.4 s each: 12 s if all ran.
  json::object body = run_body("python3", "import time\ntime.sleep(0.4)\n");
  json::array tests;
  for (int i = 0; i < 30; ++i) tests.push_back(json::object{{"expected_stdout", ""}});
  body["tests"] = std::move(tests);
  {
    RawConnection c(d.port());
    REQUIRE(c.send_all(http_post_text(body)));
    REQUIRE(eventually([&] { return !d.children().empty(); }, milliseconds(30000)));  // the first test runs
    std::this_thread::sleep_for(milliseconds(600));  // into the second
  }  // hang up

  std::optional<json::object> line;
  REQUIRE(eventually([&] {
    auto all = log_events(d, "request");
    if (all.size() > requests_before) line = all.back();
    return line.has_value();
  }, milliseconds(20000)));
  INFO("log line: " << json::serialize(*line));
  CHECK(line->at("status") == "cancelled");
  CHECK(line->at("tests").to_number<std::int64_t>() == 30);  // one result per test, most of them "not run"
  const std::int64_t run = line->at("stages_run").to_number<std::int64_t>();
  CHECK(run >= 1);
  CHECK(run <= 4);
  const double started = stages() - stages_before;
  CHECK(started == static_cast<double>(run));
  CHECK(num(line->at("wall_ms")) < 4000);
}
