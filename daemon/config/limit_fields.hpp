#pragma once
// The six limits a request may set, as an enumeration so the policy, the multipliers and the
// merge can walk them in one loop. The other four Limits fields (box_mb, tmp_mb, nofile,
// stack_mb) come from the policy only.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "config/limit_overrides.hpp"
#include "runbox/sandbox/limits.hpp"

namespace runbox::config {

enum class Stage { run, compile };
std::string_view stage_name(Stage s);  // "run" | "compile"

enum class LimitField { cpu_ms, wall_ms, memory_mb, pids, output_kb, file_size_kb };
inline constexpr std::size_t kLimitFieldCount = 6;
inline constexpr std::array<LimitField, kLimitFieldCount> kLimitFields = {
    LimitField::cpu_ms,    LimitField::wall_ms,   LimitField::memory_mb,
    LimitField::pids,      LimitField::output_kb, LimitField::file_size_kb};

// "cpu_ms" ... (the key in policies and in the API's limits objects).
std::string_view field_name(LimitField f);
// "cpu" ... (the key of a runtime file's multiplier: a factor, not a quantity with a unit).
std::string_view multiplier_name(LimitField f);

std::uint64_t& field_of(sandbox::Limits& l, LimitField f);
std::uint64_t field_of(const sandbox::Limits& l, LimitField f);
const std::optional<std::uint64_t>& field_of(const LimitOverrides& o, LimitField f);

// Largest value any limit may be configured to (policies refuse more): keeps every unit
// conversion downstream (ms→µs, MB→bytes, also after a runtime multiplier) far from overflow.
inline constexpr std::uint64_t kMaxLimitValue = 4294967295;  // 2^32 - 1

}  // namespace runbox::config
