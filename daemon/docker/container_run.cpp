// The supervision loop of a docker run. Mirrors sandbox/src/supervisor.cpp and classify.cpp
// (same 10 ms CPU polling, same status precedence) with the container's attach stream in place
// of pipes and the container's cgroup read through CgroupMeter.
#include "docker/container_run.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <csignal>
#include <future>
#include <chrono>
#include <optional>
#include <thread>

#include "docker/cgroup_meter.hpp"
#include "docker/containers.hpp"
#include "docker/stream_demux.hpp"

namespace runbox::docker {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
constexpr milliseconds kPollInterval(10);
// After SIGKILL the engine must report the end within this; otherwise it is an engine failure.
constexpr milliseconds kKillGrace(15000);

enum class KillReason { none, output_limit, time_limit, wall_time_limit, cancelled };

bool readable(int fd) {
  if (fd < 0) return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

class Supervisor {
 public:
  Supervisor(const EngineClient& c, const sandbox::Spec& spec, const std::string& id)
      : c_(c), spec_(spec), id_(id), demux_(sandbox::kib(spec.limits.output_kb)) {}

  void run(HijackedStream& stream) {
    cpu_limit_ns_ = spec_.limits.cpu_ms * 1'000'000ULL;
    start_ = Clock::now();
    wall_deadline_ = start_ + milliseconds(spec_.limits.wall_ms);
    find_meter();  // none when the run already ended: nothing left to limit
    demux_.feed(stream.take_pending());
    std::size_t stdin_off = 0;
    bool stdin_open = true;
    if (spec_.stdin_data.empty()) stream.close_write(), stdin_open = false;
    bool stream_open = true;
    while (stream_open) {
      pollfd fds[2] = {{stream.fd(), static_cast<short>(POLLIN | (stdin_open ? POLLOUT : 0)), 0},
                       {spec_.cancel_fd, POLLIN, 0}};
      ::poll(fds, spec_.cancel_fd >= 0 ? 2 : 1, static_cast<int>(next_wait().count()));
      if (stdin_open && (fds[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
        ssize_t n = ::send(stream.fd(), spec_.stdin_data.data() + stdin_off, spec_.stdin_data.size() - stdin_off,
                           MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) stdin_off += static_cast<std::size_t>(n);
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || stdin_off == spec_.stdin_data.size()) {
          stream.close_write();
          stdin_open = false;
        }
      }
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) stream_open = drain(stream.fd());
      check_limits();
      if (killed_at_ && Clock::now() - *killed_at_ > kKillGrace)
        throw EngineError("the container did not end within 15 s of SIGKILL");
    }
    if (!end_) end_ = Clock::now();
    // Output is complete once the stream closes; the container may take a moment more to stop.
    for (;;) {
      json::object state = inspect_container(c_, id_).at("State").as_object();
      if (!state.at("Running").as_bool()) break;
      check_limits();
      if (killed_at_ && Clock::now() - *killed_at_ > kKillGrace)
        throw EngineError("the container did not end within 15 s of SIGKILL");
      std::this_thread::sleep_for(next_wait());
    }
  }

  // Waits for a kill in flight; its engine error, if any, is the run's.
  void join_killer() {
    if (killer_.valid()) killer_.get();
  }

  void finish(sandbox::Result& r) {
    join_killer();
    if (!end_) end_ = Clock::now();
    set_exit(wait_container(c_, id_), r);
    json::object state = inspect_container(c_, id_).at("State").as_object();
    const bool oom = state.at("OOMKilled").as_bool();
    if (meter_) meter_->sample();
    r.stdout_truncated = demux_.out_truncated();
    r.stderr_truncated = demux_.err_truncated();
    r.stdout_data = demux_.take_out();
    r.stderr_data = demux_.take_err();
    r.output_order = demux_.take_order();
    r.wall_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<milliseconds>(*end_ - start_).count());
    r.cpu_ms = meter_ ? meter_->cpu_ns() / 1'000'000 : 0;
    r.memory_kb = meter_ ? meter_->peak_bytes() / 1024 : 0;
    if (meter_fail_) {
      r.status = sandbox::Status::internal_error;
      r.error = *meter_fail_;
      return;
    }
    // The precedence of sandbox/src/classify.cpp.
    switch (killed_for_) {
      case KillReason::output_limit: r.status = sandbox::Status::output_limit; return;
      case KillReason::time_limit: r.status = sandbox::Status::time_limit; return;
      case KillReason::wall_time_limit: r.status = sandbox::Status::wall_time_limit; return;
      case KillReason::cancelled:
        r.status = sandbox::Status::internal_error;
        r.error = "cancelled";
        return;
      case KillReason::none: break;
    }
    if (oom) r.status = sandbox::Status::memory_limit;
    else if ((meter_ && meter_->cpu_ns() > cpu_limit_ns_) || r.signal == sandbox::signal_name(SIGXCPU))
      r.status = sandbox::Status::time_limit;
    else r.status = r.exit_code == 0 ? sandbox::Status::ok : sandbox::Status::runtime_error;
  }

 private:
  // The cgroup of the container's init. A container still running whose CPU time cannot be
  // read is killed: a CPU limit runbox cannot enforce refuses the run (internal_error).
  // gVisor's sandbox process joins the container's cgroup a moment after start: a few tries.
  void find_meter() {
    pid_t pid = 0;
    for (int attempt = 0; attempt < 20 && !meter_; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      json::object state = inspect_container(c_, id_).at("State").as_object();
      if (!state.at("Running").as_bool()) return;
      pid = static_cast<pid_t>(state.at("Pid").to_number<std::int64_t>());
      meter_ = CgroupMeter::for_pid(pid, id_);
    }
    if (!meter_) {
      meter_fail_ = "cannot read the CPU time of the container's cgroup (init pid " + std::to_string(pid) +
                    "): a CPU limit runbox cannot enforce";
      kill(KillReason::cancelled);
    }
  }

  milliseconds next_wait() const {
    auto left = std::chrono::duration_cast<milliseconds>(wall_deadline_ - Clock::now());
    return std::clamp(left + milliseconds(1), milliseconds(0), kPollInterval);
  }

  // Reads what is there; false at EOF.
  bool drain(int fd) {
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        demux_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
        continue;
      }
      if (n == 0) return false;
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return true;
      return false;  // the engine broke the connection: the state read after tells the rest
    }
  }

  void check_limits() {
    if ((demux_.out_truncated() || demux_.err_truncated())) kill(KillReason::output_limit);
    if (readable(spec_.cancel_fd)) kill(KillReason::cancelled);
    if (meter_ && meter_->sample() && meter_->cpu_ns() > cpu_limit_ns_) kill(KillReason::time_limit);
    if (Clock::now() >= wall_deadline_) kill(KillReason::wall_time_limit);
  }

  // The first reason wins, as in the native supervisor.
  void kill(KillReason why) {
    if (killed_at_) return;
    killed_for_ = why;
    killed_at_ = Clock::now();
    end_ = Clock::now();
    // From another thread: the engine may only finish a kill once the container's output is
    // delivered, and that is this thread's job (a blocking call here deadlocked on a full stream).
    killer_ = std::async(std::launch::async, [this] { kill_container(c_, id_); });
  }

  const EngineClient& c_;
  const sandbox::Spec& spec_;
  const std::string& id_;
  StreamDemux demux_;
  std::optional<CgroupMeter> meter_;
  std::optional<std::string> meter_fail_;
  std::uint64_t cpu_limit_ns_ = 0;
  Clock::time_point start_, wall_deadline_;
  std::optional<Clock::time_point> killed_at_, end_;
  KillReason killed_for_ = KillReason::none;
  std::future<void> killer_;
};

}  // namespace

void set_exit(int status, sandbox::Result& r) {
  r.exit_code.reset();
  r.signal.reset();
  if (status > 128 && status < 128 + 65) r.signal = sandbox::signal_name(status - 128);
  else r.exit_code = status;
}

sandbox::Result run_container(const EngineClient& client, const sandbox::Spec& spec, const ContainerSettings& settings) {
  json::object config;
  sandbox::Result r;
  try {
    config = container_config(spec, settings);
  } catch (const std::invalid_argument& e) {
    r.status = sandbox::Status::internal_error;
    r.error = e.what();
    return r;
  }
  ContainerGuard container(client, create_container(client, config));
  auto stream = client.hijack("/containers/" + container.id() + "/attach?stream=1&stdin=1&stdout=1&stderr=1");
  start_container(client, container.id());
  Supervisor sup(client, spec, container.id());
  sup.run(*stream);
  sup.finish(r);
  container.remove();
  return r;
}

}  // namespace runbox::docker
