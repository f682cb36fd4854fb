#include "config/runtime_def.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "config/config_toml.hpp"
#include "config/placeholders.hpp"

namespace runbox::config {
namespace {

using tomlfile::line_of;
using tomlfile::TomlReader;

constexpr double kMaxMultiplier = 1000;

bool is_lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Runtime names and aliases: what a request writes in "runtime". Lower case, no spaces.
bool valid_runtime_name(const std::string& s) {
  if (s.empty() || s.size() > 64 || !is_lower_or_digit(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return is_lower_or_digit(c) || c == '+' || c == '.' || c == '_' || c == '-';
  });
}

bool valid_image_name(const std::string& s) {
  if (s.empty() || s.size() > 128 || !is_lower_or_digit(s[0])) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return is_lower_or_digit(c) || c == '.' || c == '_' || c == '-'; });
}

bool valid_env_key(std::string_view k) {
  if (k.empty() || (k[0] >= '0' && k[0] <= '9')) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

class RuntimeReader {
 public:
  explicit RuntimeReader(const std::string& origin) : r_(origin, toml_errors) {}

  RuntimeDef read(const toml::table& root) const {
    r_.refuse_unknown_keys(root, "", {"name", "aliases", "image", "backend", "docker_image", "source_file",
                                      "compile", "run", "version", "env", "limits", "compile_limits"});
    RuntimeDef d;
    d.origin = r_.origin();

    const toml::node& nn = r_.require(root, "name", "name");
    d.name = r_.string(nn, "name");
    d.name_line = line_of(nn);
    if (!valid_runtime_name(d.name))
      r_.fail(nn, "name", "\"" + d.name + "\" is not a valid runtime name (lower-case letters, digits, + . _ -; starts with a letter or digit)");

    if (const toml::node* an = root.get("aliases")) {
      d.aliases = r_.string_array(*an, "aliases");
      const auto* arr = an->as_array();
      for (std::size_t i = 0; i < d.aliases.size(); ++i) {
        d.alias_lines.push_back(line_of(*arr->get(i)));
        if (!valid_runtime_name(d.aliases[i]))
          r_.fail(*arr->get(i), "aliases[" + std::to_string(i) + "]",
                  "\"" + d.aliases[i] + "\" is not a valid runtime name (lower-case letters, digits, + . _ -)");
      }
    }

    const toml::node& in = r_.require(root, "image", "image");
    d.image = r_.string(in, "image");
    if (!valid_image_name(d.image)) r_.fail(in, "image", "\"" + d.image + "\" is not a valid image name");

    if (const toml::node* bn = root.get("backend")) {
      d.backend = r_.string(*bn, "backend");
      if (d.backend != "native" && d.backend != "docker") r_.fail(*bn, "backend", "must be \"native\" or \"docker\"");
    }
    if (const toml::node* dn = root.get("docker_image")) {
      d.docker_image = r_.string(*dn, "docker_image");
      if (d.docker_image.empty() || d.docker_image.find_first_of(" \t\n/") == 0)
        r_.fail(*dn, "docker_image", "must be a Docker image reference (\"python:3.12-slim\") or id");
    }

    const toml::node& sn = r_.require(root, "source_file", "source_file");
    d.source_file = r_.string(sn, "source_file");
    if (d.source_file.empty() || d.source_file == "." || d.source_file == ".." ||
        d.source_file.find('/') != std::string::npos || d.source_file.find('\0') != std::string::npos ||
        d.source_file[0] == '-' || d.source_file.size() > 255)
      r_.fail(sn, "source_file", "must be a plain file name in /box (no '/', not starting with '-')");

    if (const toml::node* cn = root.get("compile")) d.compile = command(*cn, "compile");
    d.run = command(r_.require(root, "run", "run"), "run");
    d.version = command(r_.require(root, "version", "version"), "version");

    if (const toml::node* en = root.get("env")) {
      d.env = r_.string_array(*en, "env");
      std::set<std::string> keys;
      for (std::size_t i = 0; i < d.env.size(); ++i) {
        const std::string field = "env[" + std::to_string(i) + "]";
        const std::string& e = d.env[i];
        auto eq = e.find('=');
        if (eq == std::string::npos || !valid_env_key(std::string_view(e).substr(0, eq)))
          r_.fail(*en->as_array()->get(i), field, "expected KEY=VALUE with KEY made of letters, digits and _");
        if (!keys.insert(e.substr(0, eq)).second)
          r_.fail(*en->as_array()->get(i), field, e.substr(0, eq) + " is set twice");
      }
    }

    if (const toml::node* ln = root.get("limits")) d.run_multipliers = multipliers(*ln, "limits");
    if (const toml::node* ln = root.get("compile_limits")) {
      if (!d.compile) r_.fail(*ln, "compile_limits", "only allowed with a compile command");
      d.compile_multipliers = multipliers(*ln, "compile_limits");
    }
    return d;
  }

 private:
  std::vector<std::string> command(const toml::node& n, const std::string& field) const {
    std::vector<std::string> argv = r_.string_array(n, field);
    if (argv.empty()) r_.fail(n, field, "must name a program");
    if (argv[0].empty()) r_.fail(n, field + "[0]", "the program name is empty");
    const auto* arr = n.as_array();
    for (std::size_t i = 0; i < argv.size(); ++i) {
      for_each_placeholder(argv[i], [&](const Placeholder& p) {
        const std::string f = field + "[" + std::to_string(i) + "]";
        if (!placeholder_value(p.name, sandbox::Limits{}))
          r_.fail(*arr->get(i), f, "unknown placeholder {" + std::string(p.name) +
                                       "} (known: cpu_ms, wall_ms, memory_mb, pids, output_kb, file_size_kb, box_mb, tmp_mb, nofile, stack_mb)");
        std::uint64_t k = parse_factor(p.factor);
        if (k < 1 || k > kMaxPlaceholderFactor)
          r_.fail(*arr->get(i), f, "placeholder factor must be 1.." + std::to_string(kMaxPlaceholderFactor));
      });
    }
    return argv;
  }

  LimitMultipliers multipliers(const toml::node& n, const std::string& field) const {
    const toml::table& t = r_.table(n, field);
    r_.refuse_unknown_keys(t, field + ".", {"cpu", "wall", "memory", "pids", "output", "file_size", "cpus"});
    LimitMultipliers m;
    for (LimitField f : kLimitFields) {
      const toml::node* v = t.get(multiplier_name(f));
      if (!v) continue;
      const std::string vf = field + "." + std::string(multiplier_name(f));
      double x = r_.number(*v, vf);
      if (!std::isfinite(x) || x <= 0 || x > kMaxMultiplier)
        r_.fail(*v, vf, "a multiplier must be above 0 and at most " + std::to_string(static_cast<int>(kMaxMultiplier)));
      m.factor[static_cast<std::size_t>(f)] = x;
      m.line[static_cast<std::size_t>(f)] = line_of(*v);
    }
    return m;
  }

  TomlReader r_;
};

}  // namespace

RuntimeDef parse_runtime_def(const std::string& text, const std::string& origin) {
  toml::table root = tomlfile::parse_toml(text, origin, toml_errors);
  return RuntimeReader(origin).read(root);
}

RuntimeDef load_runtime_def(const std::filesystem::path& file) {
  return parse_runtime_def(tomlfile::read_text_file(file, toml_errors), file.string());
}

RuntimeSet RuntimeSet::load_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw ConfigError(dir.string(), 0, "", "the runtimes directory does not exist or is not a directory");
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".toml" && e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw ConfigError(dir.string(), 0, "", "no runtime files (*.toml) in the runtimes directory");
  RuntimeSet set;
  for (const auto& f : files) set.add(load_runtime_def(f));
  return set;
}

void RuntimeSet::add(RuntimeDef def) {
  auto check = [&](const std::string& n, int line, const std::string& field) {
    for (const auto& other : defs_) {
      bool clash = other.name == n ||
                   std::find(other.aliases.begin(), other.aliases.end(), n) != other.aliases.end();
      if (clash)
        throw ConfigError(def.origin, line, field,
                          "\"" + n + "\" is already used by runtime " + other.name + " (" + other.origin + ")");
    }
  };
  check(def.name, def.name_line, "name");
  for (std::size_t i = 0; i < def.aliases.size(); ++i) {
    int line = i < def.alias_lines.size() ? def.alias_lines[i] : 0;
    const std::string field = "aliases[" + std::to_string(i) + "]";
    check(def.aliases[i], line, field);
    if (def.aliases[i] == def.name)
      throw ConfigError(def.origin, line, field, "\"" + def.name + "\" is the runtime's own name");
    for (std::size_t j = 0; j < i; ++j)
      if (def.aliases[j] == def.aliases[i])
        throw ConfigError(def.origin, line, field, "\"" + def.aliases[i] + "\" is listed twice");
  }
  defs_.push_back(std::move(def));
}

const RuntimeDef* RuntimeSet::find(std::string_view name_or_alias) const {
  for (const auto& d : defs_) {
    if (d.name == name_or_alias) return &d;
    for (const auto& a : d.aliases)
      if (a == name_or_alias) return &d;
  }
  return nullptr;
}

}  // namespace runbox::config
