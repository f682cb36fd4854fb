// runboxd: the HTTP service. Loads the configuration, policy and runtimes (refusing to start on
// an invalid one, naming file, line and field), probes each runtime's version in the sandbox,
// then serves until SIGTERM/SIGINT, when it drains: stop accepting, let running work finish
// within a grace period (then cancel it), exit 0.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <iostream>
#include <thread>

#include "config/daemon_config.hpp"
#include "config/effective_limits.hpp"
#include "config/policy.hpp"
#include "config/runtime_def.hpp"
#include "runbox/sandbox/seccomp.hpp"
#include "server/app.hpp"
#include "server/listener.hpp"

namespace {

namespace asio = boost::asio;
using namespace runbox;

constexpr auto kDrainGrace = std::chrono::seconds(30);

int serve(const config::DaemonConfig& cfg) {
  auto runtimes = config::RuntimeSet::load_dir(cfg.runtimes_dir);
  auto policy = config::load_policy(cfg.policy_file());
  config::check_policy_runtimes(policy, runtimes);
  auto seccomp = std::make_shared<const sandbox::SeccompProgram>(
      sandbox::SeccompProgram::compile(config::load_policy_seccomp(policy)));
  if (policy.uid_count < cfg.slots)
    throw std::runtime_error(policy.origin + ": uids.count (" + std::to_string(policy.uid_count) +
                             ") is smaller than the slot count (" + std::to_string(cfg.slots) + ")");

  std::fprintf(stderr, "runboxd: probing %zu runtimes...\n", runtimes.all().size());
  server::RuntimeCatalog catalog(runtimes, cfg.images_root, policy, seccomp);
  for (const auto& s : catalog.all())
    std::fprintf(stderr, "runboxd: runtime %-10s %s\n", s.def.name.c_str(),
                 s.error ? ("unavailable: " + *s.error).c_str() : s.version->c_str());

  server::SlotPool slots(cfg.slots, cfg.effective_queue_size());
  server::Metrics metrics;
  server::App app(policy, seccomp, catalog, slots, metrics);
  asio::io_context ioc;
  std::vector<std::unique_ptr<server::Listener>> listeners;
  // Signals are handled before anything says "ready": a SIGTERM at any moment drains.
  asio::signal_set signals(ioc, SIGTERM, SIGINT);
  asio::steady_timer grace(ioc);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    std::fprintf(stderr, "runboxd: signal %d: draining\n", sig);
    app.start_draining();
    for (auto& l : listeners) l->stop();
    grace.expires_after(kDrainGrace);
    grace.async_wait([&](const boost::system::error_code& e) {
      if (!e) app.cancel_all_runs();
    });
    std::thread([&] {
      slots.drain();  // queued and running jobs finish (or are cancelled at the grace limit)
      asio::post(ioc, [&] {
        grace.cancel();
        ioc.stop();
      });
    }).detach();
  });

  server::SessionLimits limits;
  limits.body_limit = cfg.max_body_bytes;
  for (const auto& l : cfg.listen) {
    listeners.push_back(std::make_unique<server::Listener>(ioc, l, app, limits));
    listeners.back()->start();
    std::fprintf(stderr, "runboxd: listening on %s\n", listeners.back()->local_address().c_str());
  }
  std::fprintf(stderr, "runboxd: ready with %u slots, queue %u\n", cfg.slots, cfg.effective_queue_size());

  std::vector<std::thread> io_threads;
  for (int i = 0; i < 2; ++i) io_threads.emplace_back([&] { ioc.run(); });
  for (auto& t : io_threads) t.join();
  std::fprintf(stderr, "runboxd: stopped\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  CLI::App cli{"runboxd: run untrusted code over HTTP"};
  std::optional<std::string> config_path;
  config::DaemonConfigOverrides overrides;
  std::optional<std::string> runtimes_dir, policies_dir;
  std::optional<std::uint32_t> slots;
  cli.add_option("--config", config_path, "Configuration file (default /etc/runbox/runboxd.toml if present)");
  cli.add_option("--listen", overrides.listen, "HOST:PORT or unix:/path (repeatable)");
  cli.add_option("--runtimes-dir", runtimes_dir, "Directory of runtime files");
  cli.add_option("--policies-dir", policies_dir, "Directory of policy files");
  cli.add_option("--slots", slots, "Runs at once")->check(CLI::PositiveNumber);
  CLI11_PARSE(cli, argc, argv);
  try {
    if (runtimes_dir) overrides.runtimes_dir = *runtimes_dir;
    if (policies_dir) overrides.policies_dir = *policies_dir;
    overrides.slots = slots;
    auto cfg = config::load_daemon_config(config_path ? std::optional<std::filesystem::path>(*config_path)
                                                      : std::nullopt);
    config::apply_overrides(cfg, overrides);
    return serve(cfg);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "runboxd: %s\n", e.what());
    return 1;
  }
}
