#include "supervisor.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <vector>

#include "child/child_plan.hpp"
#include "sys_error.hpp"

namespace runbox::sandbox {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kCpuPollInterval = std::chrono::milliseconds(10);

// One output stream: keeps at most `cap` bytes; one byte more marks it truncated.
struct Capture {
  std::string& data;
  bool& truncated;
  std::size_t cap;
  std::vector<OutputRun>& order;  // shared by both streams: the arrival order
  std::uint8_t stream;

  void record(std::size_t kept) {
    if (kept == 0) return;
    if (!order.empty() && order.back().stream == stream) {
      order.back().bytes += static_cast<std::uint32_t>(kept);
      return;
    }
    // Over the bound the rest is not ordered: it follows stream by stream (interleaved_output).
    if (order.size() < kMaxOutputRuns) order.push_back({stream, static_cast<std::uint32_t>(kept)});
  }

  // Returns false at EOF. Reads everything available.
  bool drain(int fd) {
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        std::size_t room = cap > data.size() ? cap - data.size() : 0;
        const std::size_t kept = std::min<std::size_t>(room, static_cast<std::size_t>(n));
        data.append(buf, kept);
        record(kept);
        if (static_cast<std::size_t>(n) > room) truncated = true;
        continue;
      }
      if (n == 0) return false;
      if (errno == EINTR) continue;
      return errno == EAGAIN;  // EAGAIN: open, nothing more for now
    }
  }
};

void kill_run(SpawnedChild& child, RunCgroup& cgroup) {
  ::syscall(SYS_pidfd_send_signal, child.pidfd.get(), SIGKILL, nullptr, 0);
  cgroup.kill_all();
}

}  // namespace

Observation supervise(SpawnedChild& child, const Spec& spec, RunCgroup& cgroup, Result& result) {
  Observation obs;
  obs.cpu_limit_ns = spec.limits.cpu_ms * 1'000'000ULL;
  const auto start = Clock::now();
  const auto wall_deadline = start + std::chrono::milliseconds(spec.limits.wall_ms);
  auto next_cpu_poll = start + std::min<Clock::duration>(kCpuPollInterval, std::chrono::milliseconds(spec.limits.cpu_ms));
  Capture out{result.stdout_data, result.stdout_truncated, kib(spec.limits.output_kb), result.output_order, 1};
  Capture err{result.stderr_data, result.stderr_truncated, kib(spec.limits.output_kb), result.output_order, 2};
  std::size_t stdin_written = 0;
  if (spec.stdin_data.empty()) child.stdin_w.reset();

  auto kill_for = [&](KillReason why) {
    if (obs.killed_for == KillReason::none) obs.killed_for = why;
    kill_run(child, cgroup);
  };

  bool exited = false;
  while (!exited) {
    pollfd fds[6];
    int n = 0;
    auto add = [&](const UniqueFd& fd, short events) {
      if (fd) fds[n++] = pollfd{fd.get(), events, 0};
      return fd ? n - 1 : -1;
    };
    const int i_pid = add(child.pidfd, POLLIN);
    const int i_out = add(child.stdout_r, POLLIN);
    const int i_err = add(child.stderr_r, POLLIN);
    const int i_in = add(child.stdin_w, POLLOUT);
    const int i_error = add(child.error_r, POLLIN);
    int i_cancel = -1;
    if (spec.cancel_fd >= 0) fds[i_cancel = n++] = pollfd{spec.cancel_fd, POLLIN, 0};

    auto now = Clock::now();
    auto until = std::min(wall_deadline, next_cpu_poll);
    int timeout_ms = until <= now ? 0
                                  : static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(until - now).count());
    int ready = ::poll(fds, static_cast<nfds_t>(n), timeout_ms);
    if (ready < 0 && errno != EINTR) throw_errno("poll");

    if (i_out >= 0 && fds[i_out].revents && !out.drain(child.stdout_r.get())) child.stdout_r.reset();
    if (i_err >= 0 && fds[i_err].revents && !err.drain(child.stderr_r.get())) child.stderr_r.reset();
    if ((result.stdout_truncated || result.stderr_truncated) && obs.killed_for == KillReason::none)
      kill_for(KillReason::output_limit);
    if (i_in >= 0 && fds[i_in].revents) {
      ssize_t w = ::write(child.stdin_w.get(), spec.stdin_data.data() + stdin_written,
                          spec.stdin_data.size() - stdin_written);
      if (w > 0) stdin_written += static_cast<std::size_t>(w);
      // Done, or the program closed its stdin (EPIPE): either way no more input.
      if (stdin_written == spec.stdin_data.size() || (w < 0 && errno != EAGAIN && errno != EINTR))
        child.stdin_w.reset();
    }
    if (i_error >= 0 && fds[i_error].revents) {
      ChildFailure f{};
      ssize_t r = ::read(child.error_r.get(), &f, sizeof f);
      if (r == static_cast<ssize_t>(sizeof f)) obs.setup_failure = f;
      if (r <= 0 || r == static_cast<ssize_t>(sizeof f)) child.error_r.reset();
    }
    if (i_cancel >= 0 && fds[i_cancel].revents) kill_for(KillReason::cancelled);
    if (fds[i_pid].revents) exited = true;

    now = Clock::now();
    if (!exited && now >= next_cpu_poll) {
      if (cgroup.cpu_usage_ns() > obs.cpu_limit_ns) kill_for(KillReason::time_limit);
      next_cpu_poll = now + kCpuPollInterval;
    }
    if (!exited && now >= wall_deadline) kill_for(KillReason::wall_time_limit);
  }
  result.wall_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());

  // Every process of the run is gone now: whatever is left in the pipes is the last output.
  if (child.stdout_r) out.drain(child.stdout_r.get());
  if (child.stderr_r) err.drain(child.stderr_r.get());
  if (result.stdout_truncated || result.stderr_truncated) {
    if (obs.killed_for == KillReason::none) obs.killed_for = KillReason::output_limit;
  }
  siginfo_t info{};
  ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(child.pidfd.get()), &info, WEXITED);
  int status = 0;
  if (::read(child.status_r.get(), &status, sizeof status) == static_cast<ssize_t>(sizeof status))
    obs.wait_status = status;

  obs.cpu_ns = cgroup.cpu_usage_ns();
  obs.oom_kills = cgroup.oom_kills();
  result.cpu_ms = obs.cpu_ns / 1'000'000;
  result.memory_kb = cgroup.memory_peak_bytes() / 1024;
  return obs;
}

}  // namespace runbox::sandbox
