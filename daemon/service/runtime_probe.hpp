#pragma once
// A runtime's version, asked the one way whatever engine runs it: its version command through
// the Backend interface (the native sandbox, or a container), the answer read from its output.
#include <optional>
#include <string>
#include <string_view>

#include "backend/backend.hpp"
#include "runbox/sandbox/spec.hpp"

namespace runbox::service {

struct ProbeOutcome {
  std::optional<std::string> version;
  std::optional<std::string> error;  // why there is no version
  bool setup_failed = false;         // the backend could not run it at all (internal_error)
};

// Runs spec (the version command) on backend.
ProbeOutcome probe_version(backend::Backend& backend, const sandbox::Spec& spec);

// The version string from the version command's output: the first non-empty line of stdout,
// else of stderr (`java -version` writes to stderr), with surrounding whitespace trimmed;
// nullopt when both are blank.
std::optional<std::string> parse_version_output(std::string_view stdout_data, std::string_view stderr_data);

}  // namespace runbox::service
