#pragma once
#include "cgroup/cgroup.hpp"
#include "classify.hpp"
#include "runbox/sandbox/result.hpp"
#include "runbox/sandbox/spec.hpp"
#include "spawn.hpp"

namespace runbox::sandbox {

// Feeds stdin, captures stdout/stderr up to their caps, watches wall time and the run's CPU time
// (cgroup accounting, polled), honours cancellation, and waits for the run's init to exit.
// Fills the Result's output, wall_ms and cpu/memory figures; returns what it observed.
Observation supervise(SpawnedChild& child, const Spec& spec, RunCgroup& cgroup, Result& result);

}  // namespace runbox::sandbox
