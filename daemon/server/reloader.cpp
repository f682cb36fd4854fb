#include "server/reloader.hpp"

#include "config/config_error.hpp"
#include "log/logger.hpp"
#include "server/service_notify.hpp"

namespace runbox::server {
namespace {

// What changed that needs a restart to take effect.
std::vector<std::string> restart_only_changes(const config::DaemonConfig& a, const config::DaemonConfig& b) {
  std::vector<std::string> out;
  if (a.listen != b.listen) out.push_back("listen");
  if (a.grpc_listen != b.grpc_listen) out.push_back("grpc_listen");
  if (a.slots != b.slots) out.push_back("slots");
  if (a.effective_queue_size() != b.effective_queue_size()) out.push_back("queue_size");
  if (a.max_body_bytes != b.max_body_bytes) out.push_back("max_body_bytes");
  if (a.log_format != b.log_format) out.push_back("log_format");
  if (a.docker_socket != b.docker_socket) out.push_back("docker_socket");
  if (a.max_connections != b.max_connections) out.push_back("max_connections");
  if (a.drain != b.drain) out.push_back("drain");
  return out;
}

}  // namespace

boost::json::array runtime_summary(const service::Generation& g) {
  boost::json::array list;
  for (const auto& s : g.catalog->all()) {
    boost::json::object o{{"name", s.def.name}, {"backend", s.def.backend}};
    o["version"] = s.version ? boost::json::value(*s.version) : boost::json::value(nullptr);
    o["native"] = s.error ? boost::json::value(*s.error) : boost::json::value("ready");
    list.push_back(std::move(o));
  }
  return list;
}

Reloader::Reloader(std::function<config::DaemonConfig()> read_config, service::GenerationStore& store, service::Metrics& metrics,
                   service::ProbeOptions probe, std::function<bool()> is_ready)
    : read_config_(std::move(read_config)),
      store_(store),
      metrics_(metrics),
      probe_(std::move(probe)),
      is_ready_(std::move(is_ready)) {}

void Reloader::announce(const std::string& status) {
  // READY=1 ends the reload for systemd; before the first READY=1 (or while nothing can run)
  // only the status changes, and the start-up timer sends READY=1 once the daemon is ready.
  if (announced_reloading_ && is_ready_()) notify_ready(status);
  else notify_status(status);
}

bool Reloader::reload() {
  std::lock_guard lock(mu_);
  announced_reloading_ = ready_was_sent();
  if (announced_reloading_) notify_reloading();
  auto old = store_.current();
  try {
    config::DaemonConfig cfg = read_config_();
    auto restart_only = restart_only_changes(old->config, cfg);
    // Those keep their running values; the rest of the new set applies.
    cfg.listen = old->config.listen;
    cfg.grpc_listen = old->config.grpc_listen;  // and so the exposure check sees the running ones
    cfg.slots = old->config.slots;
    cfg.queue_size = old->config.queue_size;
    cfg.max_body_bytes = old->config.max_body_bytes;
    cfg.log_format = old->config.log_format;
    cfg.docker_socket = old->config.docker_socket;
    service::ProbeOptions probe = probe_;
    probe.slots = cfg.slots;
    auto next = service::load_generation(cfg, old->number + 1, probe);
    store_.replace(next);
    if (applied_) applied_(*next);
    metrics_.count_reload(true);
    metrics_.set_generation(next->number);
    boost::json::array pending;
    for (auto& k : restart_only) pending.push_back(boost::json::string(k));
    boost::json::object fields{{"generation", next->number}, {"tiers", next->tiers.size()},
                               {"keys", next->keys ? next->keys->all().size() : 0}, {"runtimes", runtime_summary(*next)}};
    if (!pending.empty()) fields["needs_restart"] = std::move(pending);
    logging::info("reload", "reloaded: generation " + std::to_string(next->number) + " in force", std::move(fields));
    announce("reloaded (generation " + std::to_string(next->number) + ")");
    return true;
  } catch (const sandbox::PolicyError& e) {
    metrics_.count_reload(false);
    logging::error("reload_refused", std::string("reload refused, the old configuration stays: ") + e.what(),
                   {{"file", e.file()}, {"line", e.line()}, {"field", e.field()}, {"generation", old->number}});
  } catch (const std::exception& e) {
    metrics_.count_reload(false);
    logging::error("reload_refused", std::string("reload refused, the old configuration stays: ") + e.what(),
                   {{"generation", old->number}});
  }
  announce("reload refused; generation " + std::to_string(old->number) + " stays in force");
  return false;
}

}  // namespace runbox::server
