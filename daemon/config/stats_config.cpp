#include "config/stats_config.hpp"

#include "toml/toml_reader.hpp"

namespace runbox::config {

void read_stats_config(const toml::table& root, const tomlfile::TomlReader& r, const std::filesystem::path& base_dir,
                       StatsConfig& out) {
  const toml::node* node = root.get("stats");
  if (!node) return;
  const toml::table& t = r.table(*node, "stats");
  r.refuse_unknown_keys(t, "stats.", {"enabled", "path", "retention_days", "max_mb", "queue"});
  if (const toml::node* n = t.get("enabled")) {
    if (!n->is_boolean()) r.fail(*n, "stats.enabled", "must be true or false");
    out.enabled = n->as_boolean()->get();
  }
  if (const toml::node* n = t.get("path")) {
    const std::string& s = r.string(*n, "stats.path");
    if (s.empty()) r.fail(*n, "stats.path", "must not be empty");
    std::filesystem::path p(s);
    out.path = p.is_absolute() ? p : base_dir / p;
  }
  if (const toml::node* n = t.get("retention_days")) {
    out.retention_days = static_cast<std::uint32_t>(r.unsigned_int(*n, "stats.retention_days", 3650));
    if (out.retention_days == 0) r.fail(*n, "stats.retention_days", "must be at least 1");
  }
  if (const toml::node* n = t.get("max_mb")) {
    out.max_mb = r.unsigned_int(*n, "stats.max_mb", 1024 * 1024);
    if (out.max_mb == 0) r.fail(*n, "stats.max_mb", "must be at least 1 (enabled = false turns statistics off)");
  }
  if (const toml::node* n = t.get("queue")) {
    out.queue = static_cast<std::uint32_t>(r.unsigned_int(*n, "stats.queue", 1000000));
    if (out.queue == 0) r.fail(*n, "stats.queue", "must be at least 1");
  }
}

}  // namespace runbox::config
