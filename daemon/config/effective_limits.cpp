#include "config/effective_limits.hpp"

#include <cmath>

namespace runbox::config {
namespace {

std::uint64_t scaled(std::uint64_t value, double factor) {
  // value <= 2^32 and factor <= 1000 (both checked at load): exact enough in a double.
  return static_cast<std::uint64_t>(std::llround(static_cast<double>(value) * factor));
}

}  // namespace

StageBounds stage_bounds(const Policy& policy, const RuntimeDef& runtime, StageKind stage) {
  const StagePolicy& sp = policy.stage(stage);
  const LimitMultipliers& m = runtime.multipliers(stage);
  const RuntimeOverride* o = policy.override_for(runtime.name);
  const StagePolicy* os = o ? &(stage == StageKind::run ? o->run : o->compile) : nullptr;
  StageBounds b;
  for (LimitField f : kLimitFields) {
    field_of(b.defaults, f) = scaled(sp.defaults.get(f).value_or(0), m.of(f));
    field_of(b.maxima, f) = scaled(sp.maxima.get(f).value_or(0), m.of(f));
    if (os && os->defaults.get(f)) field_of(b.defaults, f) = *os->defaults.get(f);
    if (os && os->maxima.get(f)) field_of(b.maxima, f) = *os->maxima.get(f);
  }
  auto fixed = [&](std::optional<std::uint64_t> SandboxSizes::*member, std::uint64_t& out) {
    out = (policy.sandbox.*member).value_or(out);
    if (o && (o->sandbox.*member)) out = *(o->sandbox.*member);
  };
  fixed(&SandboxSizes::box_mb, b.defaults.box_mb);
  fixed(&SandboxSizes::tmp_mb, b.defaults.tmp_mb);
  fixed(&SandboxSizes::nofile, b.defaults.nofile);
  fixed(&SandboxSizes::stack_mb, b.defaults.stack_mb);
  fixed(&SandboxSizes::box_inodes, b.defaults.box_inodes);
  fixed(&SandboxSizes::tmp_inodes, b.defaults.tmp_inodes);
  fixed(&SandboxSizes::shm_inodes, b.defaults.shm_inodes);
  b.maxima.box_inodes = b.defaults.box_inodes;
  b.maxima.tmp_inodes = b.defaults.tmp_inodes;
  b.maxima.shm_inodes = b.defaults.shm_inodes;
  b.maxima.box_mb = b.defaults.box_mb;
  b.maxima.tmp_mb = b.defaults.tmp_mb;
  b.maxima.nofile = b.defaults.nofile;
  b.maxima.stack_mb = b.defaults.stack_mb;
  return b;
}

std::string_view error_code(LimitRefusal::Kind kind) {
  return kind == LimitRefusal::Kind::below_minimum ? "limit_below_minimum" : "limit_exceeds_policy";
}

std::variant<sandbox::Limits, LimitRefusal> effective_limits(const Policy& policy, const RuntimeDef& runtime,
                                                             StageKind stage, const LimitOverrides& request) {
  StageBounds b = stage_bounds(policy, runtime, stage);
  sandbox::Limits out = b.defaults;
  const std::string prefix = stage == StageKind::run ? "limits." : "compile_limits.";
  for (LimitField f : kLimitFields) {
    const auto& asked = field_of(request, f);
    std::uint64_t max = field_of(b.maxima, f);
    std::string field = prefix + std::string(field_name(f));
    if (asked) {
      if (*asked < field_minimum(f))
        return LimitRefusal{LimitRefusal::Kind::below_minimum, field, max,
                            field + " = " + format_limit(f, *asked) + " " + below_minimum_text(f)};
      if (*asked > max)
        return LimitRefusal{LimitRefusal::Kind::exceeds_policy, field, max,
                            field + " = " + format_limit(f, *asked) + " is above the maximum " +
                                format_limit(f, max) + " the policy allows for " + runtime.name};
      field_of(out, f) = *asked;
    } else if (field_of(out, f) > max) {
      // Only a policy that skipped check_policy_runtimes gets here; refuse rather than run
      // with a limit above the policy's own maximum.
      return LimitRefusal{LimitRefusal::Kind::exceeds_policy, field, max,
                          field + ": the policy's default " + format_limit(f, field_of(out, f)) +
                              " is above its maximum " + format_limit(f, max) + " for " + runtime.name};
    }
    // Fail closed, whatever produced the value: never hand a backend a 0 (Docker reads a 0
    // memory or pids limit as none at all).
    if (field_of(out, f) < field_minimum(f))
      return LimitRefusal{LimitRefusal::Kind::below_minimum, field, max,
                          field + ": the policy's value " + format_limit(f, field_of(out, f)) + " for " +
                              runtime.name + " " + below_minimum_text(f)};
  }
  return out;
}

}  // namespace runbox::config
