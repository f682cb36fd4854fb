#include "config/limit_fields.hpp"

namespace runbox::config {

std::string_view stage_name(StageKind s) { return s == StageKind::run ? "run" : "compile"; }

std::string_view field_name(LimitField f) {
  switch (f) {
    case LimitField::cpu_ms: return "cpu_ms";
    case LimitField::wall_ms: return "wall_ms";
    case LimitField::memory_mb: return "memory_mb";
    case LimitField::pids: return "pids";
    case LimitField::output_kb: return "output_kb";
    case LimitField::file_size_kb: return "file_size_kb";
    case LimitField::cpus: return "cpus";
  }
  return "?";
}

std::string_view multiplier_name(LimitField f) {
  switch (f) {
    case LimitField::cpu_ms: return "cpu";
    case LimitField::wall_ms: return "wall";
    case LimitField::memory_mb: return "memory";
    case LimitField::pids: return "pids";
    case LimitField::output_kb: return "output";
    case LimitField::file_size_kb: return "file_size";
    case LimitField::cpus: return "cpus";
  }
  return "?";
}

std::uint64_t& field_of(sandbox::Limits& l, LimitField f) {
  switch (f) {
    case LimitField::cpu_ms: return l.cpu_ms;
    case LimitField::wall_ms: return l.wall_ms;
    case LimitField::memory_mb: return l.memory_mb;
    case LimitField::pids: return l.pids;
    case LimitField::output_kb: return l.output_kb;
    case LimitField::file_size_kb: return l.file_size_kb;
    case LimitField::cpus: return l.cpus_milli;
  }
  return l.cpu_ms;  // not reached
}

std::uint64_t field_of(const sandbox::Limits& l, LimitField f) {
  return field_of(const_cast<sandbox::Limits&>(l), f);
}

const std::optional<std::uint64_t>& field_of(const LimitOverrides& o, LimitField f) {
  switch (f) {
    case LimitField::cpu_ms: return o.cpu_ms;
    case LimitField::wall_ms: return o.wall_ms;
    case LimitField::memory_mb: return o.memory_mb;
    case LimitField::pids: return o.pids;
    case LimitField::output_kb: return o.output_kb;
    case LimitField::file_size_kb: return o.file_size_kb;
    case LimitField::cpus: return o.cpus_milli;
  }
  return o.cpu_ms;  // not reached
}

std::optional<std::uint64_t>& field_of(LimitOverrides& o, LimitField f) {
  return const_cast<std::optional<std::uint64_t>&>(field_of(static_cast<const LimitOverrides&>(o), f));
}

std::uint64_t field_minimum(LimitField f) { return f == LimitField::cpus ? sandbox::kMinCpusMilli : 1; }

std::string format_limit(LimitField f, std::uint64_t v) {
  if (f != LimitField::cpus) return std::to_string(v);
  std::string out = std::to_string(v / 1000);
  if (std::uint64_t frac = v % 1000) {
    std::string digits = std::to_string(frac);
    digits.insert(0, 3 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out;
}

std::string below_minimum_text(LimitField f) {
  return "is below its minimum " + format_limit(f, field_minimum(f)) +
         " (a limit of 0 is refused: 0 never means \"unlimited\")";
}

}  // namespace runbox::config
