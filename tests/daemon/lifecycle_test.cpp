// The daemon's lifecycle when signals overlap (daemon/server/lifecycle.hpp): a SIGTERM while a
// reload probes waits for that reload, then exits 0; a SIGHUP during a drain starts no reload.
// Each case has a daemon of its own (it ends with it) with two runtimes only, to start fast.
#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <future>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "ops_support.hpp"

using namespace runbox::test;
namespace fs = std::filesystem;

namespace {

// python3, and go, which the shipped policy names (a missing go image only makes go unavailable).
struct TwoRuntimes {
  TempDir dir;
  fs::path runtimes = dir.path() / "runtimes";
  std::unique_ptr<DaemonProcess> daemon;
  TwoRuntimes() {
    require_images({"python"});
    fs::create_directory(runtimes);
    for (const char* rt : {"python3.toml", "go.toml"})
      fs::copy_file(fs::path(RUNBOX_SOURCE_DIR) / "runtimes" / rt, runtimes / rt);
    write_file(dir.path() / "runboxd.toml", images_root_config_line());
    DaemonOptions o;
    o.slots = 1;
    o.config = dir.path() / "runboxd.toml";
    o.runtimes_dir = runtimes;
    daemon = std::make_unique<DaemonProcess>(o);
  }
};

// Position of the first log line with this event; npos when there is none.
std::size_t first_event(const std::string& log, const std::string& event) {
  auto objects = log_objects(log);
  for (std::size_t i = 0; i < objects.size(); ++i)
    if (objects[i].contains("event") && objects[i].at("event") == event.c_str()) return i;
  return std::string::npos;
}

void check_exit_0(int status, const std::string& log) {
  INFO("wait status " << status << "; stderr:\n" << log);
  REQUIRE(status >= 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(first_event(log, "stopped") != std::string::npos);
}

}  // namespace

TEST_CASE("lifecycle: SIGTERM while a reload probes waits for the reload, then exits 0", "[ops]") {
  TwoRuntimes s;
  DaemonProcess& d = *s.daemon;
  // A runtime whose version probe takes 3 s appears: the reload is still probing at SIGTERM.
  write_file(s.runtimes / "slowprobe.toml",
             "name = \"slowprobe\"\nimage = \"python\"\nsource_file = \"main.py\"\nrun = [\"python3\", \"main.py\"]\n"
             "version = [\"python3\", \"-c\", \"import time; time.sleep(3); print('slowprobe 1.0')\"]\n");
  REQUIRE(::kill(d.pid(), SIGHUP) == 0);
  REQUIRE(eventually([&] { return !log_events(d, "reload_requested").empty(); }, std::chrono::seconds(10)));
  const auto t0 = std::chrono::steady_clock::now();
  const int status = d.stop(std::chrono::seconds(60));
  const auto took = std::chrono::steady_clock::now() - t0;
  const std::string log = d.stderr_log();
  check_exit_0(status, log);
  INFO(log);
  // The reload finished (in force) before the daemon stopped, and the drain did not wait longer
  // than the probe needs.
  const std::size_t reload = first_event(log, "reload");
  REQUIRE(reload != std::string::npos);
  CHECK(first_event(log, "draining") < reload);
  CHECK(reload < first_event(log, "stopped"));
  CHECK(took < std::chrono::seconds(20));
}

TEST_CASE("lifecycle: a SIGHUP during a drain starts no reload; the run in flight finishes, exit 0", "[ops]") {
  TwoRuntimes s;
  DaemonProcess& d = *s.daemon;
  auto slow = std::async(std::launch::async, [&] {
    return post_run(d.port(), run_body("python3", "import time\ntime.sleep(2)\nprint('finished')\n"));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE(::kill(d.pid(), SIGTERM) == 0);
  REQUIRE(eventually([&] { return !log_events(d, "draining").empty(); }, std::chrono::seconds(10)));
  REQUIRE(::kill(d.pid(), SIGHUP) == 0);
  auto r = slow.get();
  INFO(r.describe());
  REQUIRE(r.http.status == 200);
  CHECK(r.obj().at("run").at("stdout") == "finished\n");
  const int status = d.stop(std::chrono::seconds(30));
  const std::string log = d.stderr_log();
  check_exit_0(status, log);
  INFO(log);
  CHECK(first_event(log, "reload_requested") == std::string::npos);
  CHECK(first_event(log, "reload") == std::string::npos);
}
