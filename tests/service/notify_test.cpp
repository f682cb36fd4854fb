// The systemd notify contract of runboxd (Type=notify in systemd/runboxd.service), checked on
// the real daemon with a NOTIFY_SOCKET this test owns:
//   READY=1 only once /readyz answers 200 (asked the moment READY=1 arrives), never while
//   it answers anything else; STATUS= lines; RELOADING=1 with MONOTONIC_USEC= then READY=1
//   around a SIGHUP reload; STOPPING=1 on SIGTERM, then exit 0. Every message from runboxd's
//   own pid (NotifyAccess=main). Needs root and the python and go images (skipped otherwise).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "notify_support.hpp"
#include "test_env.hpp"

namespace fs = std::filesystem;
using namespace runbox::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::string images_root() {
  const char* dir = std::getenv("RUNBOX_ROOTFS_DIR");
  return dir && *dir ? dir : "/var/lib/runbox/rootfs";
}

// A private setup: two runtimes only (python3, and go, which the shipped policy names), so
// start-up and reload probe quickly; no docker (a socket path that does not exist), so
// readiness depends on the native images alone.
struct Setup {
  TempDir dir;
  fs::path config = dir.path() / "runboxd.toml";
  NotifySocket notify{dir.path() / "notify"};

  Setup() {
    require_root();
    if (::access(RUNBOXD_PATH, X_OK) != 0) skip(std::string("runboxd is not built at ") + RUNBOXD_PATH);
    require_image("python");
    require_image("go");
    fs::create_directory(dir.path() / "runtimes");
    for (const char* rt : {"python3.toml", "go.toml"})
      fs::copy_file(fs::path(RUNBOX_SOURCE_DIR) / "runtimes" / rt, dir.path() / "runtimes" / rt);
  }
  void write_config(const std::string& images) {
    write_file(config, "images_root = \"" + images + "\"\nlog_format = \"text\"\n");
  }
  std::unique_ptr<ChildDaemon> start() {
    return std::make_unique<ChildDaemon>(
        std::vector<std::string>{"--config", config.string(), "--listen", "127.0.0.1:0", "--runtimes-dir",
                                 (dir.path() / "runtimes").string(), "--policies-dir",
                                 std::string(RUNBOX_SOURCE_DIR) + "/policies", "--slots", "1", "--docker-socket",
                                 (dir.path() / "no-docker.sock").string()},
        std::vector<std::string>{"NOTIFY_SOCKET=" + notify.path().string()});
  }
};

// Reads notifications until one has `assignment` (or the timeout), checking on the way that
// each came from runboxd and that any READY=1 comes only while /readyz answers 200.
struct Watcher {
  Watcher(Setup& s, ChildDaemon& d) : setup(s), daemon(d) {}
  Setup& setup;
  ChildDaemon& daemon;
  std::vector<Notification> seen;
  bool ready_seen = false;

  std::optional<Notification> until(const std::string& assignment, std::chrono::seconds timeout,
                                    bool readyz_must_hold = false) {
    return until_match([&](const Notification& n) { return n.has(assignment); }, timeout, readyz_must_hold);
  }
  template <class Pred>
  std::optional<Notification> until_match(Pred pred, std::chrono::seconds timeout, bool readyz_must_hold) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (daemon.exited()) FAIL("runboxd exited; its stderr:\n" << daemon.stderr_log());
      (void)daemon.port();  // keeps its stderr pipe drained
      auto n = setup.notify.receive(100ms);
      if (!n) {
        // Between messages: once READY=1 has been seen, /readyz must keep answering 200.
        if (readyz_must_hold && ready_seen) {
          INFO("stderr:\n" << daemon.stderr_log());
          REQUIRE(http_status(daemon.port(), "/readyz") == 200);
        }
        continue;
      }
      INFO("notification: " << n->text);
      CHECK(n->sender == daemon.pid());  // NotifyAccess=main
      if (n->has("READY=1")) {
        // The moment READY=1 arrives, /readyz must already answer 200 (and the port be known,
        // i.e. the listener be up: its log line is written before READY=1 is sent).
        const std::uint16_t port = daemon.port();
        INFO("stderr:\n" << daemon.stderr_log());
        REQUIRE(port != 0);
        REQUIRE(http_status(port, "/readyz") == 200);
        ready_seen = true;
      }
      seen.push_back(*n);
      if (pred(*n)) return n;
    }
    return std::nullopt;
  }
  bool any(const std::string& assignment) const {
    for (const auto& n : seen)
      if (n.has(assignment)) return true;
    return false;
  }
};

void stop_and_expect_stopping(ChildDaemon& daemon, Watcher& w) {
  daemon.signal(SIGTERM);
  auto stopping = w.until("STOPPING=1", 20s);
  INFO("stderr:\n" << daemon.stderr_log());
  REQUIRE(stopping);
  auto status = daemon.wait(60s);
  REQUIRE(status);
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
  // Nothing after STOPPING=1 may claim readiness again.
  bool after = false, ready_after = false;
  for (const auto& n : w.seen) {
    if (n.has("STOPPING=1")) after = true;
    else if (after && n.has("READY=1")) ready_after = true;
  }
  while (auto n = w.setup.notify.receive(0ms)) ready_after = ready_after || n->has("READY=1");
  CHECK_FALSE(ready_after);
}

}  // namespace

TEST_CASE("READY=1 only when /readyz answers 200, STATUS= lines, STOPPING=1 on SIGTERM", "[notify]") {
  Setup setup;
  setup.write_config(images_root());
  auto daemon = setup.start();
  Watcher w(setup, *daemon);

  // Before READY=1 /readyz may fail (not listening yet) or answer anything; poll it meanwhile
  // so a READY=1 that came early would be caught by the check inside until().
  auto ready = w.until("READY=1", 120s);
  INFO("stderr:\n" << daemon->stderr_log());
  REQUIRE(ready);
  CHECK(ready->value("STATUS"));

  // Then STATUS= on its own (the periodic one, every 5 s): slots in use. /readyz must keep
  // answering 200 all the while.
  auto status = w.until_match(
      [](const Notification& n) {
        auto s = n.value("STATUS");
        return !n.has("READY=1") && s && s->find("slots") != std::string::npos;
      },
      15s, true);
  CHECK(status);
  CHECK(http_status(daemon->port(), "/readyz") == 200);

  stop_and_expect_stopping(*daemon, w);
}

TEST_CASE("no READY=1 while not ready, a reload that makes it ready sends READY=1, later reloads say RELOADING=1 then READY=1", "[notify]") {
  Setup setup;
  // No images where the config points: the daemon serves, but /readyz answers 503.
  setup.write_config((setup.dir.path() / "no-images").string());
  auto daemon = setup.start();
  Watcher w(setup, *daemon);

  // Several 503s over more than the daemon's 1 s readiness re-check, and no READY=1 meanwhile
  // (until() REQUIREs /readyz 200 on any READY=1).
  int not_ready = 0;
  const auto deadline = Clock::now() + 60s;
  while (not_ready < 5 && Clock::now() < deadline) {
    const std::uint16_t port = daemon->port();
    if (port != 0 && http_status(port, "/readyz") == 503) ++not_ready;
    (void)w.until("READY=1", 1s);
  }
  INFO("stderr:\n" << daemon->stderr_log());
  REQUIRE(not_ready == 5);
  REQUIRE_FALSE(w.any("READY=1"));

  // The images appear in the configuration; a reload makes the daemon ready. systemd is still
  // waiting for the start to end, so this is no RELOADING=1, just the READY=1 that ends it.
  setup.write_config(images_root());
  daemon->signal(SIGHUP);
  auto ready = w.until("READY=1", 120s);
  REQUIRE(ready);
  CHECK(http_status(daemon->port(), "/readyz") == 200);
  CHECK_FALSE(w.any("RELOADING=1"));

  // Once started, a reload is framed as systemd expects: RELOADING=1 (with MONOTONIC_USEC)
  // then READY=1.
  daemon->signal(SIGHUP);
  auto reloading = w.until("RELOADING=1", 30s);
  REQUIRE(reloading);
  CHECK(reloading->value("MONOTONIC_USEC"));
  auto ready_again = w.until("READY=1", 120s);
  REQUIRE(ready_again);

  stop_and_expect_stopping(*daemon, w);
}

TEST_CASE("a refused reload while not ready sends no READY=1", "[notify]") {
  // Before runboxd was ever ready, systemd is still waiting for the READY=1 that ends the start:
  // a reload that fails must not send it (the daemon still cannot run code).
  Setup setup;
  setup.write_config((setup.dir.path() / "no-images").string());
  auto daemon = setup.start();
  Watcher w(setup, *daemon);
  const auto deadline = Clock::now() + 60s;
  while (!(daemon->port() != 0 && http_status(daemon->port(), "/readyz") == 503) && Clock::now() < deadline)
    (void)w.until("READY=1", 1s);
  REQUIRE(http_status(daemon->port(), "/readyz") == 503);

  write_file(setup.config, "images_root = 5\n");  // refused: not a string
  daemon->signal(SIGHUP);
  // Whatever it reports about the reload, READY=1 must not be among it (until() REQUIREs
  // /readyz 200 on a READY=1).
  (void)w.until("READY=1", 5s);
  INFO("stderr:\n" << daemon->stderr_log());
  CHECK(daemon->stderr_log().find("reload refused") != std::string::npos);
  CHECK_FALSE(w.any("READY=1"));
  CHECK(http_status(daemon->port(), "/readyz") == 503);

  stop_and_expect_stopping(*daemon, w);
}
