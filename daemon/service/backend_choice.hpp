#pragma once
// Which engine runs a request — data, not code: the tier's policy may force one, else the
// runtime file says, and when the native sandbox cannot run the runtime the policy decides
// between docker and refusing. Never silently weaker: the answer names the backend.
#include <optional>
#include <string>

#include "config/policy.hpp"
#include "service/runtime_catalog.hpp"

namespace runbox::service {

struct BackendChoice {
  std::string backend;      // "native" | "docker"
  std::string oci_runtime;  // docker only: "" = the engine's default, "runsc" = gVisor
  std::string why;          // "runtime", "policy", "fallback": for the log
  std::optional<std::string> refusal;  // set: 503 runtime_unavailable with this message
};

// sandbox_error: the native sandbox's self-check failure on this host (nullopt: it works).
BackendChoice choose_backend(const config::Policy& policy, const RuntimeState& runtime,
                             const std::optional<std::string>& sandbox_error);

}  // namespace runbox::service
