#include "config/cache_config.hpp"

#include "toml/toml_reader.hpp"

namespace runbox::config {

void read_cache_config(const toml::table& root, const tomlfile::TomlReader& r, CacheConfig& out) {
  const toml::node* node = root.get("cache");
  if (!node) return;
  const toml::table& t = r.table(*node, "cache");
  r.refuse_unknown_keys(t, "cache.", {"compile_mb", "results", "results_mb"});
  if (const toml::node* n = t.get("compile_mb")) out.compile_mb = r.unsigned_int(*n, "cache.compile_mb", 1024 * 1024);
  if (const toml::node* n = t.get("results")) {
    if (!n->is_boolean()) r.fail(*n, "cache.results", "must be true or false");
    out.results = n->as_boolean()->get();
  }
  if (const toml::node* n = t.get("results_mb")) {
    out.results_mb = r.unsigned_int(*n, "cache.results_mb", 1024 * 1024);
    if (out.results_mb == 0) r.fail(*n, "cache.results_mb", "must be at least 1 (results = false turns the cache off)");
  }
}

}  // namespace runbox::config
