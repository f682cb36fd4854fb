#include "server/lifecycle.hpp"

#include <signal.h>

#include <boost/asio/post.hpp>

#include "log/logger.hpp"
#include "server/activation_fds.hpp"
#include "server/service_notify.hpp"

namespace runbox::server {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto kStatusEvery = std::chrono::seconds(5);
constexpr auto kReadyCheckEvery = std::chrono::seconds(1);  // a docker engine may still be starting

}  // namespace

Lifecycle::Lifecycle(asio::io_context& ioc, LifecycleHooks hooks, LifecycleInfo info)
    : ioc_(ioc),
      hooks_(std::move(hooks)),
      info_(info),
      strand_(asio::make_strand(ioc)),
      terminate_(strand_, SIGTERM, SIGINT),
      hangup_(strand_, SIGHUP),
      grace_(strand_),
      status_timer_(strand_),
      delay_(strand_),
      reloader_([this](std::stop_token stop) { reload_loop(stop); }) {
  wait_for_terminate();
  wait_for_hangup();
}

void Lifecycle::listen(const std::vector<config::Listener>& addresses, std::vector<int> inherited_fds,
                       Handler& handler, SessionLimits limits, ConnectionGauge& gauge) {
  for (const auto& l : addresses) {
    // A unix socket systemd passed (runboxd.socket) is adopted; anything else is bound here.
    std::optional<int> inherited;
    if (l.kind == config::Listener::Kind::unix_socket) inherited = take_unix_listen_fd(inherited_fds, l.path);
    listeners_.push_back(inherited ? std::make_unique<Listener>(ioc_, l, *inherited, handler, limits, gauge)
                                   : std::make_unique<Listener>(ioc_, l, handler, limits, gauge));
    listeners_.back()->start();
    logging::info("listening", "listening on " + listeners_.back()->local_address(),
                  {{"address", listeners_.back()->local_address()}});
  }
  require_all_adopted(inherited_fds);
}

void Lifecycle::announce_readiness() {
  check_status({});
  if (!hooks_.ready())
    logging::warning("not_ready", "not ready yet: no runtime can run (see /readyz); checking every second");
}

void Lifecycle::check_status(const error_code& ec) {
  if (ec || draining_) return;
  if (!announced_ && hooks_.ready()) {
    announced_ = true;
    logging::info("ready", "ready with " + std::to_string(info_.slots) + " slots, queue " +
                               std::to_string(info_.queue_size),
                  {{"slots", info_.slots}, {"queue_size", info_.queue_size}});
    notify_ready(hooks_.status());
  } else if (announced_) {
    notify_status(hooks_.status());
  }
  status_timer_.expires_after(announced_ ? kStatusEvery : kReadyCheckEvery);
  status_timer_.async_wait([this](const error_code& e) { check_status(e); });
}

void Lifecycle::wait_for_hangup() {
  hangup_.async_wait([this](const error_code& ec, int) {
    if (ec || draining_) return;
    logging::info("reload_requested", "SIGHUP: reloading configuration, policies, runtimes and keys");
    {
      std::lock_guard lock(mu_);
      if (!reloading_) {  // else one is running: this SIGHUP is skipped, its files are read anyway
        reloading_ = true;
        changed_.notify_all();
      }
    }
    wait_for_hangup();
  });
}

void Lifecycle::reload_loop(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (changed_.wait(lock, stop, [this] { return reloading_; })) {
    lock.unlock();
    hooks_.reload();
    lock.lock();
    reloading_ = false;
    changed_.notify_all();
  }
}

void Lifecycle::wait_for_terminate() {
  terminate_.async_wait([this](const error_code& ec, int sig) {
    if (ec) return;
    if (!draining_) drain(sig);
    else if (delaying_) delay_.cancel();  // a second signal: no more delay
  });
}

// Out of rotation first: for [drain] delay_s /readyz says 503 while the listeners still accept
// and runs still start, so a load balancer's health check (or Kubernetes' endpoints) stops
// sending here before anything is refused. Then the listeners close and the work drains.
void Lifecycle::drain(int sig) {
  notify_stopping();
  draining_ = true;
  hangup_.cancel();
  status_timer_.cancel();
  hooks_.leave_rotation();
  if (info_.drain_delay.count() == 0) return close_and_drain(sig);
  logging::info("drain_delay",
                "signal " + std::to_string(sig) + ": not ready; closing the listeners in " +
                    std::to_string(info_.drain_delay.count()) + " s",
                {{"signal", sig}, {"delay_s", info_.drain_delay.count()}});
  delaying_ = true;
  wait_for_terminate();
  delay_.expires_after(info_.drain_delay);
  delay_.async_wait([this, sig](const error_code&) {  // expired, or cancelled by a second signal
    delaying_ = false;
    close_and_drain(sig);
  });
}

void Lifecycle::close_and_drain(int sig) {
  logging::info("draining", "signal " + std::to_string(sig) + ": draining", {{"signal", sig}});
  hooks_.start_draining();
  for (auto& l : listeners_) l->stop();
  grace_.expires_after(info_.drain_grace);
  grace_.async_wait([this](const error_code& e) {
    if (!e) hooks_.cancel_all_runs();
  });
  drainer_ = std::jthread([this] {
    hooks_.drain_slots();  // queued and running jobs finish (or are cancelled at the grace limit)
    {
      // A reload in flight ends first: it uses what the daemon tears down after the io_context.
      std::unique_lock lock(mu_);
      changed_.wait(lock, [this] { return !reloading_; });
    }
    asio::post(strand_, [this] {
      grace_.cancel();
      ioc_.stop();
    });
  });
}

}  // namespace runbox::server
