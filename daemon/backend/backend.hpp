#pragma once
// The one interface a stage goes through, whichever engine runs it: the native sandbox or the
// Docker Engine. The judge logic above it (compile once, run each test, compare) and the
// runtimes' version probes are written once for both. A backend answers in the sandbox's typed
// Result; the wire form is made in api/ (stage_result.hpp).
#include <string>

#include "runbox/sandbox/result.hpp"
#include "runbox/sandbox/spec.hpp"

namespace runbox::backend {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;  // "native" | "docker"
  // Runs one stage. Never throws for what the program does; failures are internal_error
  // results with a typed Failure.
  virtual sandbox::Result run_stage(const sandbox::Spec& spec) = 0;
  // Whether run_stage honours spec.live (output as it is read, stdin and signals while the
  // program runs). Others take stdin_data only and report output at the end.
  virtual bool live() const { return false; }
};

// The sandbox library as a backend.
class NativeBackend final : public Backend {
 public:
  std::string name() const override { return "native"; }
  sandbox::Result run_stage(const sandbox::Spec& spec) override;
  bool live() const override { return true; }
};

}  // namespace runbox::backend
