#include "config/drain_config.hpp"

#include "toml/toml_reader.hpp"

namespace runbox::config {

namespace {
constexpr std::uint64_t kMaxDrainSeconds = 3600;  // longer is a mistake: systemd, Kubernetes kill first
}

void read_drain_config(const toml::table& root, const tomlfile::TomlReader& r, DrainConfig& out) {
  const toml::node* node = root.get("drain");
  if (!node) return;
  const toml::table& t = r.table(*node, "drain");
  r.refuse_unknown_keys(t, "drain.", {"delay_s", "grace_s"});
  if (const toml::node* n = t.get("delay_s"))
    out.delay_s = static_cast<std::uint32_t>(r.unsigned_int(*n, "drain.delay_s", kMaxDrainSeconds));
  if (const toml::node* n = t.get("grace_s")) {
    out.grace_s = static_cast<std::uint32_t>(r.unsigned_int(*n, "drain.grace_s", kMaxDrainSeconds));
    if (out.grace_s == 0) r.fail(*n, "drain.grace_s", "must be at least 1");
  }
}

}  // namespace runbox::config
