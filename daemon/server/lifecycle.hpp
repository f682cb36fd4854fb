#pragma once
// runboxd after start-up: the listeners (adopting the unix sockets systemd passed), readiness
// for systemd (READY=1, STATUS=), SIGHUP reloads and the SIGTERM/SIGINT drain (out of
// rotation for [drain] delay_s first; a second signal ends that delay). It knows the
// service only through LifecycleHooks, so it owns when things happen, never what they do.
//
// Threads: every signal and timer handler runs on one strand of the io_context. A reload runs
// on the reload thread (one at a time: a SIGHUP during one is skipped); a drain waits for the
// slots and then for a running reload on the drain thread, then stops the io_context. Both are
// std::jthreads woken by one condition variable and joined on destruction.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "config/daemon_config.hpp"
#include "server/listener.hpp"

namespace runbox::server {

struct LifecycleHooks {
  std::function<bool()> ready;            // the daemon can run code (/readyz answers 200)
  std::function<void()> leave_rotation;   // /readyz says 503 from now on; runs still accepted
  std::function<void()> start_draining;   // refuse new runs from now on
  std::function<void()> cancel_all_runs;  // the drain's grace period is over
  std::function<void()> drain_slots;      // blocks until queued and running jobs are done
  std::function<void()> reload;           // blocks: probing takes seconds
  std::function<std::string()> status;    // the STATUS= text
};

// For the "ready" log line, and the drain's timing ([drain]).
struct LifecycleInfo {
  unsigned slots = 0;
  unsigned queue_size = 0;
  std::chrono::seconds drain_delay{0};   // SIGTERM to closing the listeners (not ready meanwhile)
  std::chrono::seconds drain_grace{30};  // then, until running work is cancelled
};

class Lifecycle {
 public:
  // Handles the signals from here on: a SIGTERM at any moment drains, before readiness too.
  Lifecycle(boost::asio::io_context& ioc, LifecycleHooks hooks, LifecycleInfo info);
  Lifecycle(const Lifecycle&) = delete;
  Lifecycle& operator=(const Lifecycle&) = delete;

  // A started listener per address (a unix one adopts the socket systemd passed for its path).
  // Throws when a passed socket is left over, or an address cannot be bound.
  void listen(const std::vector<config::Listener>& addresses, std::vector<int> inherited_fds, Handler& handler,
              SessionLimits limits, ConnectionGauge& gauge);
  // READY=1 now or once hooks.ready() holds (checked every second), then STATUS= every 5 s.
  // Call before the io_context runs.
  void announce_readiness();

 private:
  void wait_for_terminate();
  void wait_for_hangup();
  void check_status(const boost::system::error_code& ec);
  void drain(int signal);
  void close_and_drain(int signal);
  void reload_loop(std::stop_token stop);

  boost::asio::io_context& ioc_;
  LifecycleHooks hooks_;
  LifecycleInfo info_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::signal_set terminate_, hangup_;
  boost::asio::steady_timer grace_, status_timer_, delay_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  bool announced_ = false;  // READY=1 sent (strand only)
  bool draining_ = false;   // strand only
  bool delaying_ = false;   // in the drain delay (strand only)

  std::mutex mu_;
  std::condition_variable_any changed_;  // reloading_ changed
  bool reloading_ = false;               // a reload asked for or running; the reload thread clears it
  // Declared last, so they are joined before anything they use goes; the drainer first: it
  // may be waiting for the reload thread to finish a reload.
  std::jthread reloader_;
  std::jthread drainer_;
};

}  // namespace runbox::server
