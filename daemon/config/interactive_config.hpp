#pragma once
// runboxd.toml's [interactive] table: runs streamed over WebSocket (/v1/run/ws, Piston's
// /api/v2/connect). docs/configuration.md, "[interactive]".
#include <cstdint>

#include "runbox/toml.hpp"

namespace runbox::tomlfile {
class TomlReader;
}

namespace runbox::config {

struct InteractiveConfig {
  bool enabled = true;
  // Sessions open at once; each holds a slot while its program runs. 0: as many as slots.
  std::uint32_t max_sessions = 0;
  // A run whose stdin is open and gets no input for this long is ended (wall_time_limit). A
  // start message may ask for less, never more.
  std::uint64_t idle_input_ms = 30000;
  // The first message (start / init) must come within this long after the upgrade.
  std::uint64_t start_timeout_ms = 10000;
  // Largest message a client may send.
  std::uint64_t max_message_bytes = 1024 * 1024;
};

void read_interactive_config(const toml::table& root, const tomlfile::TomlReader& r, InteractiveConfig& out);

}  // namespace runbox::config
