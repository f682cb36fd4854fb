#pragma once
// runboxd.toml's [playground] table: the web page runboxd serves at / (docs/api.md,
// "Playground"; docs/configuration.md, "[playground]"). Read with every generation, so a
// reload (SIGHUP) turns it on or off.
#include <filesystem>

#include "runbox/toml.hpp"

namespace runbox::tomlfile {
class TomlReader;
}

namespace runbox::config {

// The CodeMirror 5 of Debian's libjs-codemirror: the page's editor, when it is there.
inline constexpr const char* kDefaultEditorDir = "/usr/share/javascript/codemirror";

struct PlaygroundConfig {
  bool enabled = true;
  // index.html, playground.js, playground.css. Default: default_playground_dir().
  std::filesystem::path dir;
  // lib/codemirror.{js,css} and mode/<mode>/<mode>.js; missing: the page uses a plain textarea.
  std::filesystem::path editor_dir = kDefaultEditorDir;
};

// Relative paths are relative to base_dir (the config file's directory).
void read_playground_config(const toml::table& root, const tomlfile::TomlReader& r,
                            const std::filesystem::path& base_dir, PlaygroundConfig& out);

}  // namespace runbox::config
