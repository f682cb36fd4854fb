#pragma once
#include <string>

#include "runbox/sandbox/result.hpp"
#include "runbox/sandbox/spec.hpp"

namespace runbox::sandbox {

// Runs spec to completion and reports what happened. Never throws for anything the program
// does; a sandbox that cannot be built (or a limit that cannot be enforced) is an
// internal_error result naming the step and the cause. Thread-safe: the daemon calls it from
// several slots at once.
Result run(const Spec& spec);

// The cgroup layout runs use on this host: "v2", "hybrid" or "v1"; or "unusable: <why>" when
// none can enforce the limits (every run is then refused). Probes once.
std::string cgroup_mode();

}  // namespace runbox::sandbox
