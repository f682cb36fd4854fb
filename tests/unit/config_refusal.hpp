#pragma once
// The message runboxd.toml text is refused with (a test failure when it is accepted).
#include <catch2/catch.hpp>
#include <string>

#include "config/config_error.hpp"
#include "config/daemon_config.hpp"

namespace runbox::test {

inline std::string config_refusal(const std::string& text) {
  try {
    config::parse_daemon_config(text, "runboxd.toml", "/etc/runbox");
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  FAIL("accepted: " << text);
  return "";
}

}  // namespace runbox::test
