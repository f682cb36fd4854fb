#pragma once
// runbox's configuration files (runboxd.toml, policies, runtimes, keys.toml) through the shared
// TOML reader: every error is a ConfigError.
#include <string>

#include "config/config_error.hpp"
#include "toml/toml_reader.hpp"

namespace runbox::config {

[[noreturn]] inline void raise_config_error(const std::string& file, int line, const std::string& field,
                                            const std::string& message) {
  throw ConfigError(file, line, field, message);
}

inline constexpr tomlfile::Errors toml_errors{&raise_config_error, "TOML syntax"};

}  // namespace runbox::config
