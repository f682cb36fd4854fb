// Reads a container's cgroup usage through file descriptors opened while it runs.
#include "docker/cgroup_meter.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

namespace runbox::docker {
namespace {

namespace fs = std::filesystem;

int open_ro(const fs::path& p) { return ::open(p.c_str(), O_RDONLY | O_CLOEXEC); }

std::optional<std::string> pread_all(int fd) {
  char buf[4096];
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n < 0) return std::nullopt;  // ENODEV once the cgroup is removed
  return std::string(buf, static_cast<std::size_t>(n));
}

bool has_controller(std::string_view list, std::string_view name) {
  while (!list.empty()) {
    auto comma = list.find(',');
    if (list.substr(0, comma) == name) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// The v1 hierarchy's directory: "/sys/fs/cgroup/cpu,cpuacct" as mounted, or the single-name
// link Debian and systemd add ("/sys/fs/cgroup/cpuacct").
fs::path v1_dir(const fs::path& root, const std::string& controllers, const std::string& wanted) {
  if (fs::exists(root / controllers)) return root / controllers;
  return root / wanted;
}

}  // namespace

std::optional<CgroupMeter> CgroupMeter::for_pid(pid_t pid, const std::string& container_id, const fs::path& root) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  if (!in) return std::nullopt;
  std::string line, cpu_v1, mem_v1, unified;
  std::string cpu_ctl, mem_ctl;
  while (std::getline(in, line)) {
    // hierarchy-id:controllers:path
    auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string ctl = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (line.substr(0, a) == "0" && ctl.empty()) unified = path;
    else if (has_controller(ctl, "cpuacct")) cpu_v1 = path, cpu_ctl = ctl;
    else if (has_controller(ctl, "memory")) mem_v1 = path, mem_ctl = ctl;
  }
  const std::string& own = cpu_v1.empty() ? unified : cpu_v1;
  if (!container_id.empty() && own.find(container_id) == std::string::npos) return std::nullopt;
  CgroupMeter m;
  if (!cpu_v1.empty()) {  // v1 or hybrid: the v1 controllers hold the accounting
    fs::path cpu = v1_dir(root, cpu_ctl, "cpuacct") / fs::path(cpu_v1).relative_path() / "cpuacct.usage";
    m.cpu_fd_ = open_ro(cpu);
    m.where_ = cpu.string();
    if (!mem_v1.empty())
      m.mem_fd_ = open_ro(v1_dir(root, mem_ctl, "memory") / fs::path(mem_v1).relative_path() / "memory.max_usage_in_bytes");
  } else if (!unified.empty()) {
    fs::path dir = root / fs::path(unified).relative_path();
    m.cpu_fd_ = open_ro(dir / "cpu.stat");
    m.cpu_v2_ = true;
    m.where_ = (dir / "cpu.stat").string();
    m.mem_fd_ = open_ro(dir / "memory.peak");
    if (m.mem_fd_ < 0) m.mem_fd_ = open_ro(dir / "memory.current");
  }
  if (m.cpu_fd_ < 0) return std::nullopt;
  if (!m.sample()) return std::nullopt;
  return m;
}

CgroupMeter::CgroupMeter(CgroupMeter&& o) noexcept
    : cpu_fd_(o.cpu_fd_), cpu_v2_(o.cpu_v2_), mem_fd_(o.mem_fd_), cpu_ns_(o.cpu_ns_), peak_bytes_(o.peak_bytes_),
      where_(std::move(o.where_)) {
  o.cpu_fd_ = o.mem_fd_ = -1;
}

CgroupMeter& CgroupMeter::operator=(CgroupMeter&& o) noexcept {
  std::swap(cpu_fd_, o.cpu_fd_);
  std::swap(mem_fd_, o.mem_fd_);
  cpu_v2_ = o.cpu_v2_;
  cpu_ns_ = o.cpu_ns_;
  peak_bytes_ = o.peak_bytes_;
  where_ = std::move(o.where_);
  return *this;
}

CgroupMeter::~CgroupMeter() {
  if (cpu_fd_ >= 0) ::close(cpu_fd_);
  if (mem_fd_ >= 0) ::close(mem_fd_);
}

bool CgroupMeter::sample() {
  auto cpu = pread_all(cpu_fd_);
  if (!cpu) return false;
  if (cpu_v2_) {
    std::istringstream s(*cpu);
    std::string key;
    std::uint64_t value = 0;
    while (s >> key >> value)
      if (key == "usage_usec") cpu_ns_ = value * 1000;
  } else {
    cpu_ns_ = std::strtoull(cpu->c_str(), nullptr, 10);
  }
  if (mem_fd_ >= 0) {
    if (auto mem = pread_all(mem_fd_)) peak_bytes_ = std::max<std::uint64_t>(peak_bytes_, std::strtoull(mem->c_str(), nullptr, 10));
  }
  return true;
}

}  // namespace runbox::docker
