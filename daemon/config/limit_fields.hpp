#pragma once
// The seven limits a request may set, as an enumeration so the policy, the multipliers and the
// merge can walk them in one loop. The other four Limits fields (box_mb, tmp_mb, nofile,
// stack_mb) come from the policy only. cpus is a fraction of cores in the API and in policies
// ("cpus": 0.5) and thousandths of a core inside (Limits::cpus_milli = 500).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/limit_overrides.hpp"
#include "runbox/sandbox/limits.hpp"

namespace runbox::config {

enum class StageKind { run, compile };
std::string_view stage_name(StageKind s);  // "run" | "compile"

enum class LimitField { cpu_ms, wall_ms, memory_mb, pids, output_kb, file_size_kb, cpus };
inline constexpr std::size_t kLimitFieldCount = 7;
inline constexpr std::array<LimitField, kLimitFieldCount> kLimitFields = {
    LimitField::cpu_ms,    LimitField::wall_ms,      LimitField::memory_mb, LimitField::pids,
    LimitField::output_kb, LimitField::file_size_kb, LimitField::cpus};

// "cpu_ms" ... (the key in policies and in the API's limits objects).
std::string_view field_name(LimitField f);
// "cpu" ... (the key of a runtime file's multiplier: a factor, not a quantity with a unit).
std::string_view multiplier_name(LimitField f);

// The smallest value a limit may have, in its internal unit: 1, and 10 (0.01 core, the kernel's
// smallest CFS quota) for cpus. A limit of 0 is refused everywhere, never "unlimited"
// (docs/api.md, docs/configuration.md): Docker reads Memory/PidsLimit 0 as no limit at all.
std::uint64_t field_minimum(LimitField f);
// A value as the API and policies write it: "512" for most fields, cores for cpus ("0.5", "2").
std::string format_limit(LimitField f, std::uint64_t internal_value);
// "limits.pids is below its minimum 1 (a limit of 0 is refused; 0 never means unlimited)".
std::string below_minimum_text(LimitField f);

std::uint64_t& field_of(sandbox::Limits& l, LimitField f);
std::uint64_t field_of(const sandbox::Limits& l, LimitField f);
const std::optional<std::uint64_t>& field_of(const LimitOverrides& o, LimitField f);
std::optional<std::uint64_t>& field_of(LimitOverrides& o, LimitField f);

// Largest value any limit may be configured to (policies refuse more): keeps every unit
// conversion downstream (ms→µs, MB→bytes, also after a runtime multiplier) far from overflow.
inline constexpr std::uint64_t kMaxLimitValue = 4294967295;  // 2^32 - 1
// Largest cpus a policy may set, in cores (4096 cores; x1000 x a 1000 multiplier x 1e6 for
// Docker's NanoCpus stays far below 2^64).
inline constexpr double kMaxCpus = 4096;

}  // namespace runbox::config
