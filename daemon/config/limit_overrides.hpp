#pragma once
#include <cstdint>
#include <optional>

namespace runbox::config {

// The limits a request may set (API v1 "limits" / "compile_limits"); unset fields take the
// policy's defaults. Shared by the API parser (which fills it) and the policy (which checks it).
struct LimitOverrides {
  std::optional<std::uint64_t> cpu_ms;
  std::optional<std::uint64_t> wall_ms;
  std::optional<std::uint64_t> memory_mb;
  std::optional<std::uint64_t> pids;
  std::optional<std::uint64_t> output_kb;
  std::optional<std::uint64_t> file_size_kb;
  std::optional<std::uint64_t> cpus_milli;  // "cpus": 0.5 -> 500 (thousandths of a core)
};

}  // namespace runbox::config
