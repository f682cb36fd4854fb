#include "config/limit_fields.hpp"

namespace runbox::config {

std::string_view stage_name(Stage s) { return s == Stage::run ? "run" : "compile"; }

std::string_view field_name(LimitField f) {
  switch (f) {
    case LimitField::cpu_ms: return "cpu_ms";
    case LimitField::wall_ms: return "wall_ms";
    case LimitField::memory_mb: return "memory_mb";
    case LimitField::pids: return "pids";
    case LimitField::output_kb: return "output_kb";
    case LimitField::file_size_kb: return "file_size_kb";
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
  }
  return o.cpu_ms;  // not reached
}

}  // namespace runbox::config
