#pragma once
// The real runboxd as a child process of the test: started with --listen 127.0.0.1:0 and the
// source tree's runtimes and policies, its port read from its stderr ("listening on ..."), and
// stopped with SIGTERM on destruction. It also counts what the daemon holds (children, open
// fds, run cgroups) so tests can check that runs leave nothing behind.
#include <sys/resource.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace runbox::test {

struct DaemonOptions {
  std::optional<unsigned> slots;
  std::optional<std::filesystem::path> config;        // --config FILE
  std::optional<std::filesystem::path> runtimes_dir;  // default: the source tree's runtimes/
  std::optional<std::filesystem::path> policies_dir;  // default: the source tree's policies/
  std::vector<std::string> extra_args;                // more flags (--keys, --log-format, ...)
  std::vector<std::string> env;                       // KEY=VALUE added to the environment
  std::optional<std::pair<rlim_t, rlim_t>> nofile;    // RLIMIT_NOFILE (soft, hard) to start it with
  std::chrono::seconds start_timeout{60};
};

class DaemonProcess {
 public:
  explicit DaemonProcess(const DaemonOptions& options = {});
  ~DaemonProcess();  // stop()
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // SIGTERM, wait up to `timeout` (then SIGKILL); the wait status (-1 when already stopped).
  int stop(std::chrono::seconds timeout = std::chrono::seconds(15));
  bool running() const { return pid_ > 0; }

  // What the daemon holds now.
  std::vector<pid_t> children() const;                       // processes whose parent is the daemon
  std::size_t open_fds() const;                              // entries of /proc/<pid>/fd
  std::vector<std::filesystem::path> run_cgroups() const;    // runbox/run-<pid>-* cgroups it made
  std::string fd_listing() const;                            // for diagnostics
  std::string stderr_log() const;                            // all it wrote to stderr so far

 private:
  void drain_stderr();
  bool read_available_locked() const;  // log_mu_ held; false once the pipe is closed

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  std::thread reader_;
  mutable std::mutex log_mu_;
  mutable std::string log_;
  mutable int log_fd_ = -1;  // the daemon's stderr pipe; -1 once closed
};

// Every process whose parent (ppid) is `parent`.
std::vector<pid_t> children_of(pid_t parent);

// Waits (polling every 50 ms) until pred() holds or the timeout passes; pred()'s last value.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// The daemon shared by every test case of this process (one per ctest group): started at first
// use with --slots 2 and a config file with queue_size 64 (16 concurrent clients must never be
// refused), stopped at exit. Skips (exit 77) when not root or runboxd is missing.
DaemonProcess& shared_daemon();

// The daemon config line that points runboxd at the images the tests check for:
// images_root = RUNBOX_ROOTFS_DIR when that is set (as test_env's require_image reads it), else "".
std::string images_root_config_line();

// Skips the whole process (exit 77) unless every image is installed. Call it before
// shared_daemon() so a skip never leaves a daemon behind.
void require_images(const std::vector<std::string>& images);

}  // namespace runbox::test
