#pragma once
// The limits of one stage of one run: policy, runtime and request merged (docs/configuration.md,
// "How limits are computed").
#include <cstdint>
#include <string>
#include <variant>

#include "config/limit_fields.hpp"
#include "config/limit_overrides.hpp"
#include "config/policy.hpp"
#include "config/runtime_def.hpp"
#include "runbox/sandbox/limits.hpp"

namespace runbox::config {

// What a request gets when it sets nothing (defaults) and the most it may ask for (maxima), for
// one runtime and stage:
//   value = policy [<stage>.default|max] x the runtime's multiplier for that stage (rounded to
//           the nearest integer), replaced by [runtime.<name>.<stage>.default|max] when the
//           policy sets it (absolute: an override is not multiplied).
// box_mb, tmp_mb, nofile, stack_mb and the *_inodes come from [sandbox] /
// [runtime.<name>.sandbox], the same in defaults and maxima (a request cannot set them).
struct StageBounds {
  sandbox::Limits defaults;
  sandbox::Limits maxima;
};
StageBounds stage_bounds(const Policy& policy, const RuntimeDef& runtime, Stage stage);

// A request above a maximum: the API answers 422 limit_exceeds_policy.
struct LimitRefusal {
  std::string field;       // the request's JSON path: "limits.memory_mb" / "compile_limits.memory_mb"
  std::uint64_t maximum;   // the effective maximum for this runtime and stage
  std::string message;     // names the field, the value asked for and the maximum
};

// stage_bounds' defaults with every field the request sets replaced by the request's value.
// A request may lower any limit (zero included: zero is a real limit) and raise it up to the
// maximum; above it the result is a LimitRefusal for the first such field (cpu_ms, wall_ms,
// memory_mb, pids, output_kb, file_size_kb order).
std::variant<sandbox::Limits, LimitRefusal> effective_limits(const Policy& policy, const RuntimeDef& runtime,
                                                             Stage stage, const LimitOverrides& request);

}  // namespace runbox::config
