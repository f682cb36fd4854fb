// runboxd.toml's [drain] (daemon/config/drain_config.hpp, server/lifecycle.cpp): with delay_s,
// SIGTERM makes /readyz 503 at once while runs are still served; the listener closes only when
// the delay is over, then the daemon drains and exits 0. A second SIGTERM ends the delay.
// tests/fleet runs the same behind HAProxy.
#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "ops_support.hpp"

using namespace runbox::test;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// python3, and the runtimes the shipped policy names (it may name no runtime that is missing;
// their images need not be there), to start fast.
struct Drained {
  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
  explicit Drained(unsigned delay_s) {
    require_images({"python"});
    const fs::path runtimes = dir.path() / "runtimes";
    fs::create_directory(runtimes);
    std::set<std::string> names{"python3"};
    std::ifstream policy(fs::path(RUNBOX_SOURCE_DIR) / "policies" / "default.toml");
    const std::regex section(R"(^\[runtime\.([^.\]]+))");
    for (std::string line; std::getline(policy, line);) {
      std::smatch m;
      if (std::regex_search(line, m, section)) names.insert(m[1]);
    }
    for (const auto& n : names)
      fs::copy_file(fs::path(RUNBOX_SOURCE_DIR) / "runtimes" / (n + ".toml"), runtimes / (n + ".toml"));
    write_file(dir.path() / "runboxd.toml",
               images_root_config_line() + "\n[drain]\ndelay_s = " + std::to_string(delay_s) + "\n");
    DaemonOptions o;
    o.slots = 1;
    o.config = dir.path() / "runboxd.toml";
    o.runtimes_dir = runtimes;
    daemon = std::make_unique<DaemonProcess>(o);
  }
};

bool refused(std::uint16_t port) {
  try {
    (void)http_request(port, "GET", "/readyz", {}, {}, std::chrono::seconds(2));
    return false;
  } catch (const std::exception&) {
    return true;
  }
}

std::string log_event_order(const std::string& log) {
  std::string out;
  for (const auto& o : log_objects(log))
    if (o.contains("event")) out += std::string(o.at("event").as_string()) + " ";
  return out;
}

}  // namespace

TEST_CASE("drain: with delay_s, /readyz says 503 at once while runs are still served, then the listener closes",
          "[ops]") {
  Drained s(3);
  DaemonProcess& d = *s.daemon;
  REQUIRE(http_get(d.port(), "/readyz").status == 200);
  const auto t0 = Clock::now();
  REQUIRE(::kill(d.pid(), SIGTERM) == 0);
  REQUIRE(eventually([&] { return http_get(d.port(), "/readyz").status == 503; }, std::chrono::seconds(1)));
  auto ready = http_get(d.port(), "/readyz");
  INFO(ready.body);
  CHECK(json::parse(ready.body).at("draining") == true);
  CHECK(ready.header("retry-after") == "5");
  CHECK(http_get(d.port(), "/healthz").status == 200);
  // Still served: a run started during the delay ends 200 with its output.
  auto r = post_run(d.port(), run_body("python3", "print('still served')\n"));
  INFO(r.describe());
  REQUIRE(r.http.status == 200);
  CHECK(r.obj().at("run").at("stdout") == "still served\n");
  CHECK(Clock::now() - t0 < std::chrono::milliseconds(2500));
  // Then the listener closes, about delay_s after SIGTERM.
  REQUIRE(eventually([&] { return refused(d.port()); }, std::chrono::seconds(10)));
  const auto closed = Clock::now() - t0;
  CHECK(closed >= std::chrono::milliseconds(2500));
  CHECK(closed < std::chrono::seconds(6));
  const int status = d.stop(std::chrono::seconds(30));
  const std::string log = d.stderr_log();
  INFO("wait status " << status << "; stderr:\n" << log);
  REQUIRE(status >= 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  const auto delay = log_events(d, "drain_delay");
  REQUIRE(delay.size() == 1);
  CHECK(delay[0].at("delay_s") == 3);
  CHECK(delay[0].at("signal") == SIGTERM);
  // The run of the delay logged between the two.
  CHECK_THAT(log_event_order(log), Catch::Matches(".* drain_delay (request )+draining stopped "));
}

TEST_CASE("drain: a second SIGTERM ends the drain delay at once", "[ops]") {
  Drained s(60);
  DaemonProcess& d = *s.daemon;
  REQUIRE(::kill(d.pid(), SIGTERM) == 0);
  REQUIRE(eventually([&] { return !log_events(d, "drain_delay").empty(); }, std::chrono::seconds(10)));
  REQUIRE(http_get(d.port(), "/readyz").status == 503);
  const auto t0 = Clock::now();
  const int status = d.stop(std::chrono::seconds(20));  // SIGTERM again, then waits
  const auto took = Clock::now() - t0;
  const std::string log = d.stderr_log();
  INFO("wait status " << status << "; stderr:\n" << log);
  REQUIRE(status >= 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(took < std::chrono::seconds(5));
  CHECK_THAT(log_event_order(log), Catch::EndsWith(" drain_delay draining stopped "));
}
