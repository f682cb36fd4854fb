#pragma once
// The one interface a run goes through, whichever engine runs it: the native sandbox here, the
// Docker Engine later. The judge logic above it (compile once, run each test, compare) is
// written once for both.
#include <string>

#include "api/stage.hpp"
#include "runbox/sandbox/spec.hpp"

namespace runbox::backend {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;  // "native" | "docker"
  // Runs one stage. Never throws for what the program does; failures are internal_error stages.
  virtual api::Stage run_stage(const sandbox::Spec& spec) = 0;
};

// The sandbox library as a backend.
class NativeBackend final : public Backend {
 public:
  std::string name() const override { return "native"; }
  api::Stage run_stage(const sandbox::Spec& spec) override;
};

}  // namespace runbox::backend
