#include "config/judge0_config.hpp"

#include "toml/toml_reader.hpp"

namespace runbox::config {

void read_judge0_config(const toml::table& root, const tomlfile::TomlReader& r, const std::filesystem::path& base_dir,
                        Judge0Config& out) {
  const toml::node* node = root.get("judge0");
  if (!node) return;
  const toml::table& t = r.table(*node, "judge0");
  r.refuse_unknown_keys(t, "judge0.", {"enabled", "prefix", "store", "token_ttl_s", "max_submissions", "callback_hosts"});
  if (const toml::node* n = t.get("enabled")) {
    if (!n->is_boolean()) r.fail(*n, "judge0.enabled", "must be true or false");
    out.enabled = n->as_boolean()->get();
  }
  if (const toml::node* n = t.get("prefix")) {
    out.prefix = r.string(*n, "judge0.prefix");
    // One path segment or more, no trailing '/': the facade appends "/submissions" and the rest.
    if (out.prefix.size() < 2 || out.prefix[0] != '/' || out.prefix.back() == '/' ||
        out.prefix.find_first_of("?#% ") != std::string::npos || out.prefix.rfind("/v1", 0) == 0)
      r.fail(*n, "judge0.prefix", "must be a path like \"/judge0\" (a leading '/', none at the end, not under /v1)");
  }
  if (const toml::node* n = t.get("store")) {
    const std::string& s = r.string(*n, "judge0.store");
    if (s.empty()) r.fail(*n, "judge0.store", "must not be empty");
    std::filesystem::path p(s);
    out.store = p.is_absolute() ? p : base_dir / p;
  }
  if (const toml::node* n = t.get("token_ttl_s")) {
    out.token_ttl_s = r.unsigned_int(*n, "judge0.token_ttl_s", 10ull * 365 * 86400);
    if (out.token_ttl_s == 0) r.fail(*n, "judge0.token_ttl_s", "must be at least 1");
  }
  if (const toml::node* n = t.get("max_submissions")) {
    out.max_submissions = r.unsigned_int(*n, "judge0.max_submissions", 100000000);
    if (out.max_submissions == 0) r.fail(*n, "judge0.max_submissions", "must be at least 1");
  }
  if (const toml::node* n = t.get("callback_hosts")) out.callback_hosts = r.string_array(*n, "judge0.callback_hosts");
}

}  // namespace runbox::config
