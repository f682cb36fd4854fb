#pragma once
// Strict reading of runbox's TOML files (runboxd.toml, policies, runtimes, keys, seccomp
// profiles): every error names the file, the line and the dotted field ("run.max.memory_mb",
// "aliases[1]"). Each file format throws its own exception type (Errors), so its callers keep
// catching what they catch.
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "runbox/toml.hpp"

namespace runbox::tomlfile {

// How one file format reports an error.
struct Errors {
  // Throws (config::ConfigError, sandbox::PolicyError, ...); never returns.
  void (*raise)(const std::string& file, int line, const std::string& field, const std::string& message);
  std::string_view syntax;  // what a syntax error's message starts with: "TOML syntax"
};

int line_of(const toml::node& n);
// "string", "integer", ... for messages.
std::string type_name(const toml::node& n);

// Parses text; a syntax error is raised at its line (field empty): "<syntax>: <description>".
toml::table parse_toml(const std::string& text, const std::string& origin, const Errors& errors);
// Reads a file; an unreadable file is raised at line 0.
std::string read_text_file(const std::filesystem::path& file, const Errors& errors);

class TomlReader {
 public:
  TomlReader(std::string origin, const Errors& errors) : origin_(std::move(origin)), errors_(errors) {}
  const std::string& origin() const { return origin_; }

  [[noreturn]] void fail(int line, const std::string& field, const std::string& message) const;
  [[noreturn]] void fail(const toml::node& at, const std::string& field, const std::string& message) const;

  // Refuses a key not in known; prefix is prepended to the key in the field ("run.default.").
  void refuse_unknown_keys(const toml::table& t, const std::string& prefix,
                           std::initializer_list<std::string_view> known) const;
  // The node at key, which must be present; the table's own line when it is missing.
  const toml::node& require(const toml::table& t, std::string_view key, const std::string& field) const;
  const toml::table& table(const toml::node& n, const std::string& field) const;
  const std::string& string(const toml::node& n, const std::string& field) const;
  // A non-negative integer no larger than max.
  std::uint64_t unsigned_int(const toml::node& n, const std::string& field, std::uint64_t max) const;
  // An integer or a float (1 and 1.0 both work).
  double number(const toml::node& n, const std::string& field) const;
  std::vector<std::string> string_array(const toml::node& n, const std::string& field) const;

 private:
  std::string origin_;
  Errors errors_;
};

}  // namespace runbox::tomlfile
