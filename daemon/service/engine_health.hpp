#pragma once
// Whether an engine other than the native sandbox can take runs now: what planning a run and
// the readiness checks ask. DockerHealthMonitor answers for the Docker engine; the core's tests
// answer with a fake.
#include <optional>
#include <string>

namespace runbox::service {

class EngineHealth {
 public:
  virtual ~EngineHealth() = default;
  // nullopt when the engine answers; otherwise why not.
  virtual std::optional<std::string> unavailable() = 0;
  // nullopt when the engine has the OCI runtime registered ("" is always there).
  virtual std::optional<std::string> missing_runtime(const std::string& oci_runtime) = 0;
  // A run just failed in the engine: ask it again now (blocking; from a slot thread).
  virtual void check_now() = 0;
};

}  // namespace runbox::service
