#pragma once
// A runtime: one file in the runtimes directory (runtimes/*.toml; docs/configuration.md
// documents the format). Loaded at start-up; a wrong file stops the daemon with file:line:field.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/limit_fields.hpp"
#include "runbox/sandbox/limits.hpp"

namespace runbox::config {

// Factors applied to the policy's defaults and maxima of one stage, indexed by LimitField.
struct LimitMultipliers {
  std::array<double, kLimitFieldCount> factor{1, 1, 1, 1, 1, 1, 1};
  std::array<int, kLimitFieldCount> line{};  // where each was given (0: not given)
  double of(LimitField f) const { return factor[static_cast<std::size_t>(f)]; }
  int line_of(LimitField f) const { return line[static_cast<std::size_t>(f)]; }
};

struct RuntimeDef {
  std::string name;                  // canonical name ("python3")
  std::vector<std::string> aliases;  // other names a request may use ("python", "py")
  std::string image;                 // image under the images root ("python")
  std::string backend = "native";    // "native" (the sandbox) or "docker" (the Engine API)
  // The Docker image the docker backend runs ("python:3.12-slim"); empty: the image that
  // `runbox image pull` recorded for `image`, else "runbox/<image>:latest".
  std::string docker_image;
  std::string source_file;           // file name the code is written to in /box ("main.py")
  std::optional<std::vector<std::string>> compile;  // compile stage argv; none = interpreted
  std::vector<std::string> run;      // run stage argv; a request's args are appended
  std::vector<std::string> version;  // prints the version (service/runtime_probe.hpp reads it)
  std::vector<std::string> env;      // KEY=VALUE for every stage (and the version command)
  LimitMultipliers run_multipliers;      // [limits]
  LimitMultipliers compile_multipliers;  // [compile_limits]
  std::string origin;                // the file it came from
  int name_line = 0;                 // for duplicate-name errors
  std::vector<int> alias_lines;

  bool has_compile() const { return compile.has_value(); }
  const LimitMultipliers& multipliers(StageKind s) const {
    return s == StageKind::run ? run_multipliers : compile_multipliers;
  }
};

// Throw ConfigError (file:line:field).
RuntimeDef parse_runtime_def(const std::string& text, const std::string& origin);
RuntimeDef load_runtime_def(const std::filesystem::path& file);

// All runtimes of a directory: every *.toml file directly in it (subdirectories such as
// images/ are ignored), in file-name order. A name or alias used twice, across files or within
// one, is a ConfigError at the second use.
class RuntimeSet {
 public:
  static RuntimeSet load_dir(const std::filesystem::path& dir);
  void add(RuntimeDef def);  // throws ConfigError on a duplicate name or alias
  // By canonical name or alias, exact match; nullptr when unknown.
  const RuntimeDef* find(std::string_view name_or_alias) const;
  const std::vector<RuntimeDef>& all() const { return defs_; }

 private:
  std::vector<RuntimeDef> defs_;
};

}  // namespace runbox::config
