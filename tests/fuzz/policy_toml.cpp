// Policy files (policies/*.toml): parse_policy must turn any text into a Policy or a ConfigError
// naming file, line and field; a policy that parses is then checked against the repository's
// runtimes (check_policy_runtimes: the effective-limits arithmetic), which may only refuse it
// the same way. Any other exception, a crash or UB is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config_error.hpp"
#include "config/policy.hpp"
#include "config/runtime_def.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const runbox::config::RuntimeSet runtimes =
      runbox::config::RuntimeSet::load_dir(RUNBOX_SOURCE_DIR "/runtimes");
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    // The seccomp path is only resolved against base_dir, never opened by parse_policy.
    runbox::config::Policy p = runbox::config::parse_policy(text, "fuzz.toml", "/nonexistent/policies");
    runbox::config::check_policy_runtimes(p, runtimes);
  } catch (const runbox::config::ConfigError&) {
  }
  return 0;
}
