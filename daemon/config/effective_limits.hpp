#pragma once
// The limits of one stage of one run: policy, runtime and request merged (docs/configuration.md,
// "How limits are computed").
#include <cstdint>
#include <string>
#include <string_view>
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
StageBounds stage_bounds(const Policy& policy, const RuntimeDef& runtime, StageKind stage);

// A limit the API answers 422 to: above the maximum (limit_exceeds_policy) or below the
// minimum, 0 included (limit_below_minimum).
struct LimitRefusal {
  enum class Kind { exceeds_policy, below_minimum };
  Kind kind = Kind::exceeds_policy;
  std::string field;       // the request's JSON path: "limits.memory_mb" / "compile_limits.memory_mb"
  std::uint64_t maximum;   // the effective maximum for this runtime and stage (thousandths for cpus)
  std::string message;     // names the field, the value asked for and the maximum or minimum
};
// "limit_exceeds_policy" | "limit_below_minimum": the API's error code.
std::string_view error_code(LimitRefusal::Kind kind);

// stage_bounds' defaults with every field the request sets replaced by the request's value.
// A request may lower any limit down to its minimum (field_minimum: 1, 0.01 core for cpus; a
// 0 is refused, never "unlimited") and raise it up to the maximum; outside that the result is a
// LimitRefusal for the first such field (cpu_ms, wall_ms, memory_mb, pids, output_kb,
// file_size_kb, cpus order). A result never holds a field below its minimum.
std::variant<sandbox::Limits, LimitRefusal> effective_limits(const Policy& policy, const RuntimeDef& runtime,
                                                             StageKind stage, const LimitOverrides& request);

}  // namespace runbox::config
