#pragma once
// Strict reading of runbox's TOML files: every error is a ConfigError naming the file, the line
// and the dotted field ("run.max.memory_mb", "aliases[1]").
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "runbox/toml.hpp"
#include "config/config_error.hpp"

namespace runbox::config::detail {

int line_of(const toml::node& n);

// Parses text; a syntax error becomes a ConfigError at its line (field empty).
toml::table parse_toml(const std::string& text, const std::string& origin);
// Reads and parses a file; an unreadable file is a ConfigError at line 0.
std::string read_text_file(const std::filesystem::path& file);

class TomlReader {
 public:
  explicit TomlReader(std::string origin) : origin_(std::move(origin)) {}
  const std::string& origin() const { return origin_; }

  [[noreturn]] void fail(int line, const std::string& field, const std::string& message) const;
  [[noreturn]] void fail(const toml::node& at, const std::string& field, const std::string& message) const;

  // Refuses a key not in known; prefix is prepended to the key in the field ("run.default.").
  void refuse_unknown_keys(const toml::table& t, const std::string& prefix,
                           std::initializer_list<std::string_view> known) const;
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
};

}  // namespace runbox::config::detail
