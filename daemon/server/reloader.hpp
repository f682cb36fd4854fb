#pragma once
// SIGHUP: read every file again (the configuration, the policies of every tier, the runtimes,
// the keys) and probe the runtimes, beside the generation in force. A complete, valid set
// replaces it for new requests; anything wrong refuses the whole set with a log line naming the
// file, line and field, and the old one stays. Settings that only a restart can change
// (listeners, slots, queue size, body limit) are reported, not applied.
#include <boost/json/array.hpp>
#include <functional>
#include <mutex>

#include "service/generation.hpp"
#include "service/metrics.hpp"

namespace runbox::server {

class Reloader {
 public:
  // read_config: the configuration as at start-up (the same file and command-line flags).
  // is_ready: whether the daemon can run code (READY=1 follows a reload only then, and only if
  // it was sent before).
  Reloader(std::function<config::DaemonConfig()> read_config, service::GenerationStore& store, service::Metrics& metrics,
           service::ProbeOptions probe, std::function<bool()> is_ready);
  // Blocking (probing takes seconds); runs one reload at a time. True when the new set is in force.
  bool reload();
  // Called with each generation a reload put in force (the parts that outlive generations,
  // such as the statistics writer, take their new settings from it).
  void on_applied(std::function<void(const service::Generation&)> applied) { applied_ = std::move(applied); }

 private:
  std::function<config::DaemonConfig()> read_config_;
  service::GenerationStore& store_;
  service::Metrics& metrics_;
  service::ProbeOptions probe_;
  std::function<bool()> is_ready_;
  std::function<void(const service::Generation&)> applied_;
  bool announced_reloading_ = false;
  std::mutex mu_;

  void announce(const std::string& status);
};

// The start-up (and reload) summary of a generation: runtimes with their versions and backends.
boost::json::array runtime_summary(const service::Generation& g);

}  // namespace runbox::server
