// Runtime files (runtimes/*.toml): parse_runtime_def must give a RuntimeDef or a ConfigError;
// a runtime that parses must then survive what the daemon does with it: registration in a
// RuntimeSet (names and aliases) and placeholder expansion of every argv with real limits.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config_error.hpp"
#include "config/placeholders.hpp"
#include "config/runtime_def.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    runbox::config::RuntimeDef def = runbox::config::parse_runtime_def(text, "fuzz.toml");
    runbox::sandbox::Limits limits;
    limits.memory_mb = 1ULL << 40;  // large values: {memory_mb*1000} must not overflow silently into UB
    (void)runbox::config::expand_placeholders(def.run, limits);
    (void)runbox::config::expand_placeholders(def.version, limits);
    if (def.compile) (void)runbox::config::expand_placeholders(*def.compile, limits);
    runbox::config::RuntimeSet set;
    set.add(std::move(def));
  } catch (const runbox::config::ConfigError&) {
  }
  return 0;
}
