#pragma once
// Turns what the supervisor observed into a Result's status, exit code and signal, once, in a
// fixed precedence: setup failure, then the limit that made runbox kill the run, then the OOM
// killer, then CPU time over the limit, then the program's own signal or exit status.
#include <cstdint>
#include <optional>
#include <string>

#include "child/child_plan.hpp"
#include "runbox/sandbox/result.hpp"

namespace runbox::sandbox {

// idle_input: a live run's stdin stayed open with no input for its idle limit (a wall-time end).
enum class KillReason { none, output_limit, time_limit, wall_time_limit, idle_input, cancelled };

struct Observation {
  std::optional<ChildFailure> setup_failure;  // the child could not build the sandbox
  KillReason killed_for = KillReason::none;
  std::optional<int> wait_status;          // the program's, when it was reported
  std::uint64_t cpu_ns = 0;
  std::uint64_t cpu_limit_ns = 0;
  std::uint64_t oom_kills = 0;
};

void classify(const Observation& o, Result& r);

}  // namespace runbox::sandbox
