#include "service/backend_choice.hpp"

namespace runbox::service {

BackendChoice choose_backend(const config::Policy& policy, const RuntimeState& runtime,
                             const std::optional<std::string>& sandbox_error) {
  BackendChoice c;
  if (policy.backend.force) {
    c.backend = *policy.backend.force;
    c.why = "policy";
  } else {
    c.backend = runtime.def.backend;
    c.why = "runtime";
  }
  if (c.backend == "native") {
    std::optional<std::string> native_problem = sandbox_error ? sandbox_error : runtime.error;
    if (native_problem) {
      if (policy.backend.fallback_to_docker && !(policy.backend.force && *policy.backend.force == "native")) {
        c.backend = "docker";
        c.why = "fallback";
      } else {
        c.refusal = runtime.def.name + " is unavailable: " + *native_problem;
      }
    }
  }
  if (c.backend == "docker") c.oci_runtime = policy.backend.docker_runtime;
  return c;
}

}  // namespace runbox::service
