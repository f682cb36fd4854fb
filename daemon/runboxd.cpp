// runboxd: the HTTP service. Loads the configuration, policies, runtimes and keys (refusing to
// start on an invalid one, naming file, line and field), probes each runtime's version, then
// serves. This file is the composition root: it builds the parts and runs the I/O threads.
// When things happen is server/lifecycle.hpp's: SIGHUP reloads every file (server/reloader.hpp);
// SIGTERM/SIGINT drains: stop accepting, let running work finish within a grace period (then
// cancel it), exit 0. Under systemd (Type=notify) it reports READY=1 only once it can run code.
#include <sys/resource.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "admin/admin_jobs.hpp"
#include "admin/admin_routes.hpp"
#include "config/daemon_config.hpp"
#include "grpc/grpc_server.hpp"
#include "images/image_metadata.hpp"
#include "judge0/judge0_facade.hpp"
#include "log/logger.hpp"
#include "runbox/sandbox/cleanup.hpp"
#include "runbox/sandbox/netns_pool.hpp"
#include "runbox/sandbox/sandbox.hpp"
#include "server/activation_fds.hpp"
#include "backend/docker_backend.hpp"
#include "piston/piston_facade.hpp"
#include "server/app.hpp"
#include "server/lifecycle.hpp"
#include "service/docker_health_monitor.hpp"
#include "server/reloader.hpp"

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace runbox;

struct Flags {
  std::optional<std::string> config_path;
  config::DaemonConfigOverrides overrides;
  std::optional<std::string> runtimes_dir, policies_dir, keys, docker_socket;
};

config::DaemonConfig read_config(const Flags& f) {
  config::DaemonConfigOverrides o = f.overrides;
  if (f.runtimes_dir) o.runtimes_dir = *f.runtimes_dir;
  if (f.policies_dir) o.policies_dir = *f.policies_dir;
  if (f.keys) o.keys_file = *f.keys;
  if (f.docker_socket) o.docker_socket = *f.docker_socket;
  auto cfg = config::load_daemon_config(f.config_path ? std::optional<std::filesystem::path>(*f.config_path) : std::nullopt);
  config::apply_overrides(cfg, o);
  return cfg;
}

service::ProbeOptions probe_options(service::DockerHealthMonitor& docker, std::uint32_t slots,
                                    const std::filesystem::path& images_root) {
  service::ProbeOptions p;
  p.slots = slots;
  // The image `runbox image pull` made the rootfs from, by id: docker runs the very same bits.
  p.docker_image_for = [images_root](const config::RuntimeDef& def) -> std::string {
    auto meta = images::read_rootfs_metadata(images_root / def.image);
    if (!meta) return "";
    return !meta->image_id.empty() ? meta->image_id : meta->reference;
  };
  p.docker_backend = [&docker](const std::string& image) -> std::unique_ptr<backend::Backend> {
    if (docker.unavailable()) return nullptr;
    return backend::docker_probe_backend(docker.socket(), image);
  };
  return p;
}

std::string status_line(service::SlotPool& slots, const service::GenerationStore& gens) {
  return "slots busy " + std::to_string(slots.busy()) + "/" + std::to_string(slots.slots()) + ", queued " +
         std::to_string(slots.queued()) + ", generation " + std::to_string(gens.current()->number);
}

int serve(const Flags& flags, config::DaemonConfig cfg, std::vector<int> inherited_fds) {
  const std::string cgroup_mode = sandbox::cgroup_mode();
  service::DockerHealthMonitor docker(cfg.docker_socket);
  const std::size_t leftovers = docker.remove_leftovers();
  auto docker_problem = docker.unavailable();

  logging::info("probing", "probing runtimes", {{"config", cfg.file.string()}});
  service::GenerationStore generations(service::load_generation(cfg, 1, probe_options(docker, cfg.slots, cfg.images_root)));
  auto g = generations.current();

  json::object backends{{"native", g->catalog->sandbox_error() ? json::value(*g->catalog->sandbox_error()) : json::value("ok")},
                        {"docker", docker_problem ? json::value(*docker_problem) : json::value("ok")}};
  logging::info("start", "runboxd " RUNBOX_VERSION " starting: cgroups " + cgroup_mode + ", docker " +
                             (docker_problem ? *docker_problem : std::string("ok")),
                {{"version", RUNBOX_VERSION}, {"cgroup_mode", cgroup_mode}, {"backends", backends},
                 {"docker_containers_removed", leftovers}, {"runtimes", server::runtime_summary(*g)},
                 {"tiers", g->tiers.size()}, {"keys", g->keys ? g->keys->all().size() : 0}});
  for (const auto& s : g->catalog->all())
    logging::info("runtime", "runtime " + s.def.name + " " + (s.error ? "unavailable natively: " + *s.error : *s.version),
                  {{"runtime", s.def.name}, {"version", s.version ? json::value(*s.version) : json::value(nullptr)}});
  if (!g->keys)
    logging::warning("no_auth",
                     cfg.insecure_no_auth ? "no keys file and --insecure-no-auth: anyone who can connect may run code"
                                          : "no keys file: no authentication; listening on loopback and unix sockets only");

  // One fresh network namespace ready per slot, made while the slots are idle, and what a run
  // leaves removed after its answer has gone (docs/performance.md).
  sandbox::keep_network_namespaces_ready(cfg.slots);
  sandbox::clean_up_in_background();
  service::SlotPool slots(cfg.slots, cfg.effective_queue_size());
  service::Metrics metrics;
  metrics.set_generation(g->number);
  service::RunService core(generations, slots, metrics, docker, service::production_backends(cfg.docker_socket));
  core.configure_caches(cfg.cache);
  core.configure_stats(cfg.stats);  // [stats]: the writer thread and its SQLite file, for the daemon's life
  server::App app(core, cfg.interactive);
  app.add_facade(std::make_unique<piston::PistonFacade>(core));
  judge0::add_to(app, core, cfg.judge0);
  server::Reloader reloader([&flags] { return read_config(flags); }, generations, metrics,
                            probe_options(docker, cfg.slots, cfg.images_root), [&app] { return app.ready(); });
  reloader.on_applied([&core](const service::Generation& next) { core.configure_stats(next.config.stats); });
  // Declared before the io_context: sessions left in it when it is destroyed leave the gauge
  // then (ASan: stack-use-after-scope when it went first).
  server::ConnectionGauge gauge;
  gauge.max = cfg.max_connections;
  asio::io_context ioc;
  // After the reloader and the io_context: a pull job still running is stopped and joined, and
  // a cleanup finished, before either goes.
  admin::AdminJobs admin_jobs;
  app.add_facade(std::make_unique<admin::AdminRoutes>(core, docker, admin_jobs, [&reloader] { return reloader.reload(); }));
  server::LifecycleHooks hooks{
      .ready = [&app] { return app.ready(); },
      .leave_rotation = [&app] { app.leave_rotation(); },
      .start_draining = [&app] { app.start_draining(); },
      .cancel_all_runs = [&app] { app.cancel_all_runs(); },
      .drain_slots = [&slots] { slots.drain(); },
      .reload = [&reloader] { reloader.reload(); },
      .status = [&] { return status_line(slots, generations); },
  };
  // Destroyed right after the lifecycle, whose signal sets give SIGTERM, SIGINT and SIGHUP back
  // their default action: the drain is over by then, and a late signal (a supervisor's second
  // SIGTERM) must not kill the process while the rest is torn down (the stats writer's last
  // flush, the slots): the daemon exits 0, not by signal.
  struct IgnoreSignalsAfterLifecycle {
    ~IgnoreSignalsAfterLifecycle() {
      for (int sig : {SIGTERM, SIGINT, SIGHUP}) ::signal(sig, SIG_IGN);
    }
  } ignore_late_signals;
  server::Lifecycle lifecycle(ioc, std::move(hooks),
                              {cfg.slots, cfg.effective_queue_size(), std::chrono::seconds(cfg.drain.delay_s),
                               std::chrono::seconds(cfg.drain.grace_s)});
  server::SessionLimits limits;
  limits.body_limit = cfg.max_body_bytes;
  lifecycle.listen(cfg.listen, std::move(inherited_fds), app, limits, gauge);
  // gRPC (grpc_listen; none: no server), on its own threads, stopped when serve() returns.
  grpc_api::GrpcServer grpc_server(core, cfg);
  grpc_server.start();
  lifecycle.announce_readiness();

  {
    std::vector<std::jthread> io_threads;
    for (int i = 0; i < 2; ++i) io_threads.emplace_back([&] { ioc.run(); });
  }  // until the drain stops the io_context
  const std::size_t orphans = docker.remove_own_containers();
  logging::info("stopped", "stopped", {{"docker_containers_removed", orphans}});
  return 0;
}

}  // namespace

// Every connection, pipe and cgroup file is a descriptor: take the whole hard limit (systemd's
// LimitNOFILE, or the shell's), so max_connections, not a default soft limit of 1024, bounds them.
static void raise_open_file_limit() {
  rlimit l{};
  if (::getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur < l.rlim_max) {
    l.rlim_cur = l.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &l);
  }
}

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  raise_open_file_limit();
  CLI::App cli{"runboxd: run untrusted code over HTTP"};
  Flags flags;
  std::optional<std::uint32_t> slots;
  std::optional<std::string> log_format;
  cli.add_option("--config", flags.config_path, "Configuration file (default /etc/runbox/runboxd.toml if present)");
  cli.add_option("--listen", flags.overrides.listen, "HOST:PORT or unix:/path (repeatable)");
  cli.add_option("--grpc-listen", flags.overrides.grpc_listen, "gRPC on HOST:PORT or unix:/path (repeatable)");
  cli.add_option("--runtimes-dir", flags.runtimes_dir, "Directory of runtime files");
  cli.add_option("--policies-dir", flags.policies_dir, "Directory of policy files");
  cli.add_option("--slots", slots, "Runs at once")->check(CLI::PositiveNumber);
  cli.add_option("--keys,--keys-file", flags.keys, "API keys file (keys.toml, mode 0600)");
  cli.add_option("--log-format", log_format, "json (default: one object per line) or text")->check(CLI::IsMember({"json", "text"}));
  cli.add_option("--docker-socket", flags.docker_socket, "Docker Engine API socket (default /var/run/docker.sock)");
  cli.add_flag("--insecure-no-auth", flags.overrides.insecure_no_auth,
               "Allow listening on non-loopback addresses without API keys");
  CLI11_PARSE(cli, argc, argv);
  if (log_format) logging::set_format(*logging::parse_format(*log_format));
  flags.overrides.slots = slots;
  flags.overrides.log_format = log_format;
  try {
    // Before any thread: it clears LISTEN_* from the environment.
    std::vector<int> inherited = server::inherited_listen_fds();
    auto cfg = read_config(flags);
    logging::set_format(*logging::parse_format(cfg.log_format));
    const int rc = serve(flags, cfg, std::move(inherited));
    sandbox::finish_background_cleanup();  // the last runs' cgroups and boxes, before exit
    return rc;
  } catch (const sandbox::PolicyError& e) {
    logging::error("startup_failed", e.what(), {{"file", e.file()}, {"line", e.line()}, {"field", e.field()}});
    return 1;
  } catch (const std::exception& e) {
    logging::error("startup_failed", e.what());
    return 1;
  }
}
