#pragma once
// CPU time and peak memory of a running container, read from its own cgroup: found through the
// container's main process (/proc/<pid>/cgroup), so it works for any cgroup driver and parent.
// cgroup v1 (and hybrid hosts): cpuacct.usage and memory.max_usage_in_bytes; pure v2: cpu.stat's
// usage_usec and memory.peak (memory.current's highest sample on kernels without it). Files are
// opened once; once the engine removes the cgroup (the container ended), the last sample stays.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace runbox::docker {

class CgroupMeter {
 public:
  // nullopt when the process is gone, its cgroup has no CPU accounting to read, or the cgroup's
  // path does not name `container_id` (the pid was reused: the container already ended).
  static std::optional<CgroupMeter> for_pid(pid_t pid, const std::string& container_id,
                                            const std::filesystem::path& cgroup_root = "/sys/fs/cgroup");
  CgroupMeter(CgroupMeter&&) noexcept;
  CgroupMeter& operator=(CgroupMeter&&) noexcept;
  CgroupMeter(const CgroupMeter&) = delete;
  ~CgroupMeter();

  // Reads the current values; false once the cgroup is gone (the values keep the last sample).
  bool sample();
  std::uint64_t cpu_ns() const { return cpu_ns_; }
  std::uint64_t peak_bytes() const { return peak_bytes_; }
  const std::string& where() const { return where_; }  // the cpu file, for messages

 private:
  CgroupMeter() = default;
  int cpu_fd_ = -1;
  bool cpu_v2_ = false;  // cpu.stat (usage_usec) rather than cpuacct.usage (ns)
  int mem_fd_ = -1;
  std::uint64_t cpu_ns_ = 0;
  std::uint64_t peak_bytes_ = 0;
  std::string where_;
};

}  // namespace runbox::docker
