#include "config/interactive_config.hpp"

#include "toml/toml_reader.hpp"

namespace runbox::config {

void read_interactive_config(const toml::table& root, const tomlfile::TomlReader& r, InteractiveConfig& out) {
  const toml::node* node = root.get("interactive");
  if (!node) return;
  const toml::table& t = r.table(*node, "interactive");
  r.refuse_unknown_keys(t, "interactive.", {"enabled", "max_sessions", "idle_input_ms", "start_timeout_ms", "max_message_bytes"});
  if (const toml::node* n = t.get("enabled")) {
    if (!n->is_boolean()) r.fail(*n, "interactive.enabled", "must be true or false");
    out.enabled = n->as_boolean()->get();
  }
  if (const toml::node* n = t.get("max_sessions"))
    out.max_sessions = static_cast<std::uint32_t>(r.unsigned_int(*n, "interactive.max_sessions", 100000));
  if (const toml::node* n = t.get("idle_input_ms")) {
    out.idle_input_ms = r.unsigned_int(*n, "interactive.idle_input_ms", 3600000);
    if (out.idle_input_ms < 100) r.fail(*n, "interactive.idle_input_ms", "must be at least 100");
  }
  if (const toml::node* n = t.get("start_timeout_ms")) {
    out.start_timeout_ms = r.unsigned_int(*n, "interactive.start_timeout_ms", 600000);
    if (out.start_timeout_ms < 100) r.fail(*n, "interactive.start_timeout_ms", "must be at least 100");
  }
  if (const toml::node* n = t.get("max_message_bytes")) {
    out.max_message_bytes = r.unsigned_int(*n, "interactive.max_message_bytes", 64ull * 1024 * 1024);
    if (out.max_message_bytes < 1024) r.fail(*n, "interactive.max_message_bytes", "must be at least 1024");
  }
}

}  // namespace runbox::config
