#include "service/backend_choice.hpp"

namespace runbox::service {
namespace {

// The configuration's names ("native" | "docker", checked when the files are loaded).
BackendKind kind_named(const std::string& name) { return name == "docker" ? BackendKind::docker : BackendKind::native; }

}  // namespace

std::string_view BackendChoice::reason() const {
  switch (why) {
    case BackendReason::runtime: return "runtime";
    case BackendReason::policy: return "policy";
    case BackendReason::fallback: return "fallback";
  }
  return "runtime";
}

BackendChoice choose_backend(const config::Policy& policy, const RuntimeState& runtime,
                             const std::optional<std::string>& sandbox_error) {
  BackendChoice c;
  const bool forced = policy.backend.force.has_value();
  c.kind = kind_named(forced ? *policy.backend.force : runtime.def.backend);
  c.why = forced ? BackendReason::policy : BackendReason::runtime;
  if (c.kind == BackendKind::native) {
    std::optional<std::string> native_problem = sandbox_error ? sandbox_error : runtime.error;
    if (native_problem) {
      if (policy.backend.fallback_to_docker && !forced) {
        c.kind = BackendKind::docker;
        c.why = BackendReason::fallback;
      } else {
        c.refusal = runtime.def.name + " is unavailable: " + *native_problem;
      }
    }
  }
  if (c.docker()) c.oci_runtime = policy.backend.docker_runtime;
  return c;
}

}  // namespace runbox::service
