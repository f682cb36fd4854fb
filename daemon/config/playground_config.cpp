#include "config/playground_config.hpp"

#include "toml/toml_reader.hpp"

namespace runbox::config {

void read_playground_config(const toml::table& root, const tomlfile::TomlReader& r,
                            const std::filesystem::path& base_dir, PlaygroundConfig& out) {
  const toml::node* node = root.get("playground");
  if (!node) return;
  const toml::table& t = r.table(*node, "playground");
  r.refuse_unknown_keys(t, "playground.", {"enabled", "dir", "editor_dir"});
  if (const toml::node* n = t.get("enabled")) {
    if (!n->is_boolean()) r.fail(*n, "playground.enabled", "must be true or false");
    out.enabled = n->as_boolean()->get();
  }
  auto path_key = [&](const char* key, std::filesystem::path& p) {
    const toml::node* n = t.get(key);
    if (!n) return;
    const std::string field = std::string("playground.") + key;
    const std::string& s = r.string(*n, field);
    if (s.empty()) r.fail(*n, field, "must not be empty");
    std::filesystem::path v(s);
    p = v.is_absolute() || base_dir.empty() ? v : base_dir / v;
  };
  path_key("dir", out.dir);
  path_key("editor_dir", out.editor_dir);
}

}  // namespace runbox::config
