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
#include "runbox/sandbox/live_io.hpp"
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
  const LiveIo* live = nullptr;  // interactive: each read's kept bytes go out at once

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
        if (live) live->output(stream, std::string_view(buf, kept));
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

// A signal for the program (and everything it started): the run's init relays it inside the
// pid namespace (child_main.cpp: kRelaySignal carries the wanted signal as its value), so
// SIGKILL too reaches the program and not init, and the program's exit is reported as usual.
void relay_signal(SpawnedChild& child, int sig) {
  siginfo_t info{};
  info.si_signo = kRelaySignal;
  info.si_code = SI_QUEUE;
  info.si_pid = ::getpid();
  info.si_uid = ::getuid();
  info.si_value.sival_int = sig;
  ::syscall(SYS_pidfd_send_signal, child.pidfd.get(), kRelaySignal, &info, 0);
}

}  // namespace

Observation supervise(SpawnedChild& child, const Spec& spec, RunCgroup& cgroup, Result& result) {
  Observation obs;
  obs.cpu_limit_ns = spec.limits.cpu_ms * 1'000'000ULL;
  const auto start = Clock::now();
  const auto wall_deadline = start + std::chrono::milliseconds(spec.limits.wall_ms);
  auto next_cpu_poll = start + std::min<Clock::duration>(kCpuPollInterval, std::chrono::milliseconds(spec.limits.cpu_ms));
  LiveIo* live = spec.live.get();
  Capture out{result.stdout_data, result.stdout_truncated, kib(spec.limits.output_kb), result.output_order, 1, live};
  Capture err{result.stderr_data, result.stderr_truncated, kib(spec.limits.output_kb), result.output_order, 2, live};
  // What stdin gets: the spec's bytes, read in place (no copy per run); a live run's later input
  // moves what is left of them into a buffer of its own.
  std::string live_stdin;
  const std::string* stdin_src = &spec.stdin_data;
  std::size_t stdin_written = 0;
  bool stdin_closing = !live;  // no more input will come: close once written
  if (stdin_closing && stdin_src->empty()) child.stdin_w.reset();
  // Interactive: the idle-input limit counts from the start and from each input.
  const auto idle = live ? live->idle_input() : std::chrono::milliseconds(0);
  auto idle_deadline = Clock::time_point::max();
  if (idle.count() > 0) idle_deadline = start + idle;

  auto kill_for = [&](KillReason why) {
    if (obs.killed_for == KillReason::none) obs.killed_for = why;
    kill_run(child, cgroup);
  };

  bool exited = false;
  while (!exited) {
    pollfd fds[7];
    int n = 0;
    auto add = [&](const UniqueFd& fd, short events) {
      if (fd) fds[n++] = pollfd{fd.get(), events, 0};
      return fd ? n - 1 : -1;
    };
    const int i_pid = add(child.pidfd, POLLIN);
    const int i_out = add(child.stdout_r, POLLIN);
    const int i_err = add(child.stderr_r, POLLIN);
    const bool to_write = child.stdin_w && stdin_written < stdin_src->size();
    const int i_in = to_write ? add(child.stdin_w, POLLOUT) : -1;
    const int i_error = add(child.error_r, POLLIN);
    int i_cancel = -1;
    if (spec.cancel_fd >= 0) fds[i_cancel = n++] = pollfd{spec.cancel_fd, POLLIN, 0};
    int i_live = -1;
    if (live) fds[i_live = n++] = pollfd{live->wake_fd(), POLLIN, 0};

    auto now = Clock::now();
    const bool idle_counts = child.stdin_w && !stdin_closing && stdin_written == stdin_src->size();
    auto until = std::min(wall_deadline, next_cpu_poll);
    if (idle_counts) until = std::min(until, idle_deadline);
    int timeout_ms = until <= now ? 0
                                  : static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(until - now).count());
    int ready = ::poll(fds, static_cast<nfds_t>(n), timeout_ms);
    if (ready < 0 && errno != EINTR) throw_errno("poll");

    if (i_out >= 0 && fds[i_out].revents && !out.drain(child.stdout_r.get())) child.stdout_r.reset();
    if (i_err >= 0 && fds[i_err].revents && !err.drain(child.stderr_r.get())) child.stderr_r.reset();
    if ((result.stdout_truncated || result.stderr_truncated) && obs.killed_for == KillReason::none)
      kill_for(KillReason::output_limit);
    if (i_live >= 0 && fds[i_live].revents) {
      LiveIo::Pending p = live->take();
      if (!p.stdin_bytes.empty() && child.stdin_w) {
        live_stdin = stdin_src->substr(stdin_written);  // only what is still to be written
        stdin_written = 0;
        live_stdin += p.stdin_bytes;
        stdin_src = &live_stdin;
      }
      if (!p.stdin_bytes.empty() || p.close_stdin) idle_deadline = idle.count() > 0 ? Clock::now() + idle : idle_deadline;
      if (p.close_stdin) stdin_closing = true;
      for (int sig : p.signals) relay_signal(child, sig);
    }
    if (i_in >= 0 && fds[i_in].revents) {
      ssize_t w = ::write(child.stdin_w.get(), stdin_src->data() + stdin_written, stdin_src->size() - stdin_written);
      if (w > 0) stdin_written += static_cast<std::size_t>(w);
      // The program closed its stdin (EPIPE): no more input.
      if (w < 0 && errno != EAGAIN && errno != EINTR) child.stdin_w.reset();
    }
    // Everything written and nothing more to come: EOF.
    if (child.stdin_w && stdin_closing && stdin_written == stdin_src->size()) child.stdin_w.reset();
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
    if (!exited && idle_counts && now >= idle_deadline && obs.killed_for == KillReason::none) {
      live->mark_idle_fired();
      kill_for(KillReason::idle_input);
    }
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
