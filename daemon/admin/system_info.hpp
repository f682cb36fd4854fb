#pragma once
// GET /v1/system: what an operator asks first about a runboxd host — the daemon's version, the
// kernel, the cgroup layout the sandbox found, CPUs, memory, load, free disk where the images
// live, the backends and their state, the images with the runtimes using them, the runtimes'
// state, and slots and queue. Read fresh at every request; nothing here changes anything.
#include <boost/json/object.hpp>
#include <cstdint>
#include <filesystem>
#include <string>

#include "service/docker_health_monitor.hpp"
#include "service/run_service.hpp"

namespace runbox::admin {

// The host's own facts, from uname(2), sched_getaffinity(2), /proc/meminfo, /proc/loadavg and
// statvfs(3) (each missing one is null in the JSON).
struct HostFacts {
  std::string sysname, release, kernel_version, machine;
  long cpus_online = 0;    // sysconf(_SC_NPROCESSORS_ONLN)
  long cpus_usable = 0;    // in this process's affinity mask
  std::uint64_t memory_total = 0, memory_available = 0;  // bytes; 0: unknown
  double load[3] = {-1, -1, -1};
  std::filesystem::path disk_path;  // the directory measured: `state` or its nearest existing parent
  std::uint64_t disk_free = 0, disk_total = 0;  // bytes free for unprivileged users (f_bavail), and the size
  bool disk_known = false;
};

HostFacts read_host_facts(const std::filesystem::path& state);

// The whole answer of GET /v1/system (docs/api.md, "GET /v1/system").
boost::json::object system_json(service::RunService& core, service::DockerHealthMonitor& docker);

}  // namespace runbox::admin
