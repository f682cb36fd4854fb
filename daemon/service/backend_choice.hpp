#pragma once
// Which engine runs a request — data, not code: the tier's policy may force one, else the
// runtime file says, and when the native sandbox cannot run the runtime the policy decides
// between docker and refusing. Never silently weaker: the answer names the backend.
#include <optional>
#include <string>
#include <string_view>

#include "config/policy.hpp"
#include "service/runtime_catalog.hpp"

namespace runbox::service {

enum class BackendKind { native, docker };
// Why that one: the runtime file's backend, the policy's force, or the policy's fallback.
enum class BackendReason { runtime, policy, fallback };

struct BackendChoice {
  BackendKind kind = BackendKind::native;
  BackendReason why = BackendReason::runtime;
  std::string oci_runtime;             // docker only: "" = the engine's default, "runsc" = gVisor
  std::optional<std::string> refusal;  // set: 503 runtime_unavailable with this message

  bool docker() const { return kind == BackendKind::docker; }
  std::string_view name() const { return docker() ? "docker" : "native"; }  // answers, logs, metrics
  std::string_view reason() const;                                           // "runtime" | "policy" | "fallback"
};

// sandbox_error: the native sandbox's self-check failure on this host (nullopt: it works).
BackendChoice choose_backend(const config::Policy& policy, const RuntimeState& runtime,
                             const std::optional<std::string>& sandbox_error);

}  // namespace runbox::service
