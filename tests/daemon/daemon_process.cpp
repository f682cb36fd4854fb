#include "daemon_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "test_env.hpp"

namespace runbox::test {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

bool read_some(int fd, std::string& into, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  int r = ::poll(&p, 1, timeout_ms);
  if (r <= 0) return true;  // nothing yet (or EINTR): still open
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  into.append(buf, static_cast<std::size_t>(n));
  return true;
}

}  // namespace

DaemonProcess::DaemonProcess(const DaemonOptions& options) {
  std::vector<std::string> args = {RUNBOXD_PATH, "--listen", "127.0.0.1:0", "--runtimes-dir",
                                   options.runtimes_dir ? options.runtimes_dir->string()
                                                        : std::string(RUNBOX_SOURCE_DIR) + "/runtimes",
                                   "--policies-dir",
                                   options.policies_dir ? options.policies_dir->string()
                                                        : std::string(RUNBOX_SOURCE_DIR) + "/policies"};
  if (options.slots) {
    args.push_back("--slots");
    args.push_back(std::to_string(*options.slots));
  }
  if (options.config) {
    args.push_back("--config");
    args.push_back(options.config->string());
  }
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  env_strings.insert(env_strings.end(), options.env.begin(), options.env.end());
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Only async-signal-safe calls from here on. The daemon gets SIGTERM (and drains) if this
    // test process dies first, e.g. on a skip or a crash.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(pipefd[1], 2);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (options.nofile) {
      rlimit l{options.nofile->first, options.nofile->second};
      if (::setrlimit(RLIMIT_NOFILE, &l) != 0) ::_exit(126);
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  pid_ = pid;
  const int fd = pipefd[0];

  // The port from "listening on 127.0.0.1:<port>", then "ready with ..." (in the JSON lines'
  // "msg" or the text format alike).
  const std::regex listening(R"(listening on 127\.0\.0\.1:([0-9]+))");
  const auto deadline = Clock::now() + options.start_timeout;
  std::string log;
  bool open = true;
  for (;;) {
    std::smatch m;
    if (port_ == 0 && std::regex_search(log, m, listening)) port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
    // Ready, or serving but not ready (it says so, and /readyz says why).
    if (port_ != 0 && (log.find("ready with ") != std::string::npos || log.find("not ready yet") != std::string::npos))
      break;
    int status = 0;
    const bool reaped = ::waitpid(pid_, &status, WNOHANG) == pid_;
    if (reaped || !open || Clock::now() >= deadline) {
      if (!reaped) {  // closed its stderr or too slow: do not leave it behind
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
      }
      pid_ = -1;
      ::close(fd);
      throw std::runtime_error(std::string("runboxd did not become ready (") +
                               (reaped || !open ? "it exited" : "timeout") + "); its stderr:\n" + log);
    }
    open = read_some(fd, log, 200);
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  {
    std::lock_guard lock(log_mu_);
    log_ = std::move(log);
    log_fd_ = fd;
  }
  reader_ = std::thread([this] { drain_stderr(); });
}

// Appends what the pipe holds now. Called with log_mu_ held, so the reader thread and
// stderr_log() never interleave two reads' bytes out of order.
bool DaemonProcess::read_available_locked() const {
  if (log_fd_ < 0) return false;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(log_fd_, buf, sizeof buf);
    if (n > 0) {
      log_.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;  // EOF (0) or an error: closed
  }
}

void DaemonProcess::drain_stderr() {
  // Reads until the daemon (and anything that inherited its stderr) has closed it, or stop().
  for (;;) {
    int fd;
    {
      std::lock_guard lock(log_mu_);
      fd = log_fd_;
    }
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 200);
    std::lock_guard lock(log_mu_);
    bool open = read_available_locked();
    if (!open || stopped_.load()) {
      ::close(log_fd_);
      log_fd_ = -1;
      break;
    }
  }
}

DaemonProcess::~DaemonProcess() {
  try {
    stop();
  } catch (...) {
  }
}

int DaemonProcess::stop(std::chrono::seconds timeout) {
  if (pid_ <= 0) {
    if (reader_.joinable()) reader_.join();
    return -1;
  }
  ::kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (r < 0 && errno != EINTR) {
      status = -1;
      break;
    }
    if (Clock::now() >= deadline) {
      std::fprintf(stderr, "runbox_daemon_tests: runboxd (pid %d) did not exit within %lld s of SIGTERM; killing it\n",
                   static_cast<int>(pid_), static_cast<long long>(timeout.count()));
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  stopped_ = true;
  if (reader_.joinable()) reader_.join();
  return status;
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;  // gone meanwhile
    auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream rest(stat.substr(close_paren + 1));
    char state = 0;
    long ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

std::vector<pid_t> DaemonProcess::children() const { return pid_ > 0 ? children_of(pid_) : std::vector<pid_t>{}; }

std::size_t DaemonProcess::open_fds() const {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid_) + "/fd", ec); !ec && it != fs::directory_iterator();
       it.increment(ec))
    ++n;
  return n;
}

std::string DaemonProcess::fd_listing() const {
  std::string out;
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid_) + "/fd", ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::error_code lec;
    out += it->path().filename().string() + " -> " + fs::read_symlink(it->path(), lec).string() + "\n";
  }
  return out;
}

std::vector<fs::path> DaemonProcess::run_cgroups() const {
  std::vector<fs::path> out;
  const std::string prefix = "run-" + std::to_string(pid_) + "-";
  std::error_code ec;
  auto it = fs::recursive_directory_iterator("/sys/fs/cgroup", fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code sec;
    if (!it->is_directory(sec) || it->is_symlink(sec)) {
      it.disable_recursion_pending();
      continue;
    }
    const std::string name = it->path().filename();
    if (name.rfind("run-", 0) == 0) {
      // Another process's runs (other test suites on this host) are not ours to count.
      if (name.rfind(prefix, 0) == 0 && it->path().parent_path().filename() == "runbox") out.push_back(it->path());
      it.disable_recursion_pending();
    }
  }
  return out;
}

std::string DaemonProcess::stderr_log() const {
  // Whatever the daemon wrote before this call (say, a request's log line, written before its
  // answer was sent) is in the pipe now: read it here rather than wait for the reader thread.
  std::lock_guard lock(log_mu_);
  read_available_locked();
  return log_;
}

std::string images_root_config_line() {
  const char* dir = std::getenv("RUNBOX_ROOTFS_DIR");
  if (!dir || !*dir) return "";
  std::string quoted;
  for (const char* c = dir; *c; ++c) {
    if (*c == '"' || *c == '\\') quoted += '\\';
    quoted += *c;
  }
  return "images_root = \"" + quoted + "\"\n";
}

void require_images(const std::vector<std::string>& images) {
  for (const auto& image : images) require_image(image);
}

namespace {

struct SharedDaemon {
  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
  SharedDaemon() {
    const fs::path config = dir.path() / "runboxd.toml";
    // 16 clients at once on 2 slots: the queue must hold the other 14 (the default, 4 x slots,
    // would refuse some with 503 overloaded).
    // Its statistics in its own directory, not the host's /var/lib/runbox.
    write_file(config, "queue_size = 64\n" + images_root_config_line() + "[stats]\npath = \"stats.sqlite\"\n");
    DaemonOptions options;
    options.slots = 2;
    options.config = config;
    daemon = std::make_unique<DaemonProcess>(options);
  }
};

}  // namespace

DaemonProcess& shared_daemon() {
  require_root();
  if (::access(RUNBOXD_PATH, X_OK) != 0) skip(std::string("runboxd is not built at ") + RUNBOXD_PATH);
  static SharedDaemon shared;
  return *shared.daemon;
}

}  // namespace runbox::test
