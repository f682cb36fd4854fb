#pragma once
// The {limit} placeholders of runtime commands: recognised when a runtime file is loaded
// (runtime_def.cpp refuses unknown ones) and substituted per stage when a run is planned.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runbox/sandbox/limits.hpp"

namespace runbox::config {

inline constexpr std::uint64_t kMaxPlaceholderFactor = 1000;

struct Placeholder {
  std::size_t pos, len;
  std::string_view name;
  std::string_view factor;  // digits after '*', empty when none
};

// The limit a placeholder name stands for; nullopt for a name that is none.
std::optional<std::uint64_t> placeholder_value(std::string_view name, const sandbox::Limits& l);
// Walks the {word} / {word*N} patterns of arg in order.
void for_each_placeholder(std::string_view arg, const std::function<void(const Placeholder&)>& f);
// N of {word*N}; 1 without one; 0 when over four digits (out of bounds).
std::uint64_t parse_factor(std::string_view digits);

// Placeholders in compile/run/version arguments, substituted per stage with that stage's
// effective limits: {cpu_ms} {wall_ms} {memory_mb} {pids} {output_kb} {file_size_kb} {box_mb}
// {tmp_mb} {nofile} {stack_mb}, each also as {name*N} (N = 1..1000, the value times N), e.g.
// "-Xmx{memory_mb*2}m". Any other {word} or {word*N} is refused when the file is loaded; braces
// that do not form that pattern are literal.
std::string expand_placeholders(std::string_view arg, const sandbox::Limits& limits);
std::vector<std::string> expand_placeholders(const std::vector<std::string>& argv, const sandbox::Limits& limits);

}  // namespace runbox::config
