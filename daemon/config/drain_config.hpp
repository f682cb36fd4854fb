#pragma once
// runboxd.toml's [drain] table: what SIGTERM does, in time (docs/configuration.md, "[drain]").
// Read at start only: the drain happens once, at the end.
#include <cstdint>

#include "runbox/toml.hpp"

namespace runbox::tomlfile {
class TomlReader;
}

namespace runbox::config {

struct DrainConfig {
  // Seconds between SIGTERM and closing the listeners: /readyz already says 503 (so a load
  // balancer's health check takes this daemon out of rotation) while requests are still served.
  // 0: close at once.
  std::uint32_t delay_s = 0;
  // Seconds queued and running work then gets before it is cancelled.
  std::uint32_t grace_s = 30;
  bool operator==(const DrainConfig&) const = default;
};

void read_drain_config(const toml::table& root, const tomlfile::TomlReader& r, DrainConfig& out);

}  // namespace runbox::config
