// runboxd.toml: parse_daemon_config must give a DaemonConfig or a ConfigError (file, line,
// field) for any text; a config that parses then goes through the start-up check that refuses
// a listener other hosts reach without keys (check_auth_exposure), which may only refuse the
// same way.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config_error.hpp"
#include "config/daemon_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    runbox::config::DaemonConfig c = runbox::config::parse_daemon_config(text, "runboxd.toml", "/nonexistent/etc");
    runbox::config::check_auth_exposure(c);
  } catch (const runbox::config::ConfigError&) {
  }
  return 0;
}
