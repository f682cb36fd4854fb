// cgroup v1 (and hybrid) backend. libcgroup finds the v1 hierarchies; limits go in the v1 controllers: memory
// (with memsw so swap cannot stretch the limit), pids, cpu (CFS bandwidth: the run's cores, and
// a low cpu.shares on the runbox parent), cpuacct for whole-run CPU accounting. cpu and cpuacct
// are one hierarchy on most hosts ("cpu,cpuacct"), two on some: both work.
// The run also gets a cgroup in the controller-less cgroup2 hierarchy when one is mounted
// (hybrid): clone3 places the child there directly and cgroup.kill ends the whole run at once.
#include <fcntl.h>
#include <libcgroup.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "cgroup/cgroup.hpp"
#include "cgroup/cgroup_paths.hpp"
#include "cgroup/run_name.hpp"
#include "sys_error.hpp"
#include "runbox/sandbox/unique_fd.hpp"

namespace runbox::sandbox {
namespace {

struct Hierarchy {
  std::string controller;
  std::string mount;       // e.g. /sys/fs/cgroup/memory
  bool with_cpuacct = false;  // the cpu hierarchy is also cpuacct's (mounted "cpu,cpuacct")
  std::string parent_rel;  // runbox's parent, relative to the hierarchy root (libcgroup names)
  std::string parent_abs() const { return mount + "/" + parent_rel; }
};

std::string trim_slashes(std::string s) {
  while (!s.empty() && s.front() == '/') s.erase(0, 1);
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::string join_rel(const std::string& a, const std::string& b) { return a.empty() ? b : a + "/" + b; }

std::uint64_t parse_u64(const std::string& text) { return std::strtoull(text.c_str(), nullptr, 10); }

std::uint64_t oom_kill_count(const std::string& oom_control) {
  std::istringstream in(oom_control);
  std::string key;
  std::uint64_t value = 0;
  while (in >> key >> value)
    if (key == "oom_kill") return value;
  return 0;
}

void libcgroup_check(int rc, const std::string& what) {
  if (rc != 0) throw std::runtime_error(what + ": " + cgroup_strerror(rc));
}

// Kills every process listed in a cgroup until none is left (v1 has no cgroup.kill). The run's
// processes are also in a pid namespace whose init is killed first, so this converges.
void kill_listed(const std::string& dir) {
  for (int round = 0; round < 100; ++round) {
    std::string procs;
    try {
      procs = read_text(dir + "/cgroup.procs");
    } catch (const std::exception&) {
      return;
    }
    if (procs.empty()) return;
    std::istringstream in(procs);
    long pid;
    while (in >> pid) ::kill(static_cast<pid_t>(pid), SIGKILL);
  }
}

class V1RunCgroup final : public RunCgroup {
 public:
  V1RunCgroup(std::vector<Hierarchy> hs, std::string name, std::string unified_parent)
      : hierarchies_(std::move(hs)), name_(std::move(name)) {
    if (!unified_parent.empty()) unified_dir_ = unified_parent + "/" + name_;
  }

  // libcgroup finds the hierarchies once (V1Backend); a run's cgroups are plain mkdir and writes:
  // cgroup_create_cgroup re-read /proc/mounts for every value it wrote (8 times a run) and built
  // kilobytes of structures for four numbers.
  void create(const Limits& limits, bool memsw) {
    for (const auto& h : hierarchies_) {
      const std::string dir = h.mount + "/" + join_rel(h.parent_rel, name_);
      int made = ::mkdir(dir.c_str(), 0755);
      if (made != 0 && errno == ENOENT) {  // the runbox parent is made at first use, and again if removed
        make_cgroup_dirs(h.parent_abs());
        made = ::mkdir(dir.c_str(), 0755);
      }
      if (made != 0) throw_errno("create cgroup " + dir);
      created_.push_back(dir);
      if (h.controller == "memory") {
        write_text(dir + "/memory.limit_in_bytes", std::to_string(mib(limits.memory_mb)));
        if (memsw) write_text(dir + "/memory.memsw.limit_in_bytes", std::to_string(mib(limits.memory_mb)));
      } else if (h.controller == "pids") {
        write_text(dir + "/pids.max", std::to_string(limits.pids));
      } else if (h.controller == "cpu") {
        // The period first: the kernel checks each write of the pair against the other.
        write_text(dir + "/cpu.cfs_period_us", std::to_string(kCfsPeriodUs));
        write_text(dir + "/cpu.cfs_quota_us", std::to_string(cfs_quota_us(limits.cpus_milli)));
      }
      // The child enters through "tasks", not "cgroup.procs": see procs_fds() below.
      procs_.emplace_back(::open((dir + "/tasks").c_str(), O_WRONLY | O_CLOEXEC));
      if (!procs_.back()) throw_errno("open " + dir + "/tasks");
      if (h.controller == "memory") {
        peak_fd_ = open_stat(dir + "/memory.max_usage_in_bytes");
        oom_fd_ = open_stat(dir + "/memory.oom_control");
      }
      if (h.controller == "cpuacct" || h.with_cpuacct) cpu_fd_ = open_stat(dir + "/cpuacct.usage");
    }
    if (!unified_dir_.empty()) {
      make_cgroup_dirs(unified_dir_);
      created_.push_back(unified_dir_);
      unified_fd_.reset(::open(unified_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!unified_fd_) throw_errno("open " + unified_dir_);
    }
  }

  ~V1RunCgroup() override {
    kill_all();
    // Deepest first does not matter here: every run cgroup is a leaf in its own hierarchy.
    for (const auto& dir : created_) {
      wait_cgroup_empty(dir, 2000);
      remove_cgroup_dir(dir);
    }
  }

  int clone_into_fd() const override { return unified_fd_.get(); }

  // "0" written to a v1 "tasks" file moves only the writing thread, and the kernel then skips
  // the global cgroup_threadgroup_rwsem (cgroup_procs_write_start: no pid, no threadgroup). A
  // write to "cgroup.procs" takes it for writing, which waits an RCU grace period per writer
  // unless cgroup2 has favordynmods: measured here 13 ms on average for a lone run (max 31 ms)
  // against 0.025 ms through "tasks". The child is single-threaded when it writes (clone3 copies
  // one thread), so moving its thread moves the whole process, and everything it forks after
  // inherits the cgroups.
  std::vector<int> procs_fds() const override {
    std::vector<int> fds;
    for (const auto& fd : procs_) fds.push_back(fd.get());
    return fds;
  }

  std::uint64_t cpu_usage_ns() override { return parse_u64(pread_text(cpu_fd_.get())); }
  std::uint64_t memory_peak_bytes() override { return parse_u64(pread_text(peak_fd_.get())); }
  std::uint64_t oom_kills() override { return oom_kill_count(pread_text(oom_fd_.get())); }

  void kill_all() override {
    if (!unified_dir_.empty()) {
      try {
        write_text(unified_dir_ + "/cgroup.kill", "1");
      } catch (const std::exception&) {
        // Kernels before 5.14 have no cgroup.kill: fall through to killing each process.
      }
    }
    for (const auto& dir : created_) kill_listed(dir);
  }

 private:
  static UniqueFd open_stat(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open " + path);
    return fd;
  }

  std::vector<Hierarchy> hierarchies_;
  std::string name_;
  std::string unified_dir_;
  std::vector<std::string> created_;
  std::vector<UniqueFd> procs_;
  UniqueFd unified_fd_, cpu_fd_, peak_fd_, oom_fd_;
};

class V1Backend final : public CgroupDriver {
 public:
  explicit V1Backend(const std::string& unified_mount) {
    libcgroup_check(cgroup_init(), "libcgroup init");
    for (const char* ctl : {"memory", "pids", "cpu", "cpuacct"}) {
      char* mount = nullptr;
      if (cgroup_get_subsys_mount_point(ctl, &mount) != 0 || !mount) {
        missing_ += missing_.empty() ? ctl : std::string(", ") + ctl;
        continue;
      }
      Hierarchy h{ctl, mount, false, join_rel(trim_slashes(own_cgroup_path(ctl)), "runbox")};
      std::free(mount);
      // One "cpu,cpuacct" mount: the cpu cgroup also accounts; a second one would be the same
      // directory.
      auto cpu = std::find_if(hierarchies_.begin(), hierarchies_.end(), [](const Hierarchy& x) { return x.controller == "cpu"; });
      if (h.controller == "cpuacct" && cpu != hierarchies_.end() && same_directory(cpu->mount, h.mount)) {
        cpu->with_cpuacct = true;
        continue;
      }
      hierarchies_.push_back(std::move(h));
    }
    for (const auto& h : hierarchies_)
      if (h.controller == "memory")
        memsw_ = ::access((h.mount + "/memory.memsw.limit_in_bytes").c_str(), F_OK) == 0;
    if (!unified_mount.empty())
      unified_parent_ = unified_mount + join_rel("", own_cgroup_path("")) + "/runbox";
    while (unified_parent_.find("//") != std::string::npos)
      unified_parent_.replace(unified_parent_.find("//"), 2, "/");
  }

  std::string layout() const override { return unified_parent_.empty() ? "v1" : "hybrid"; }

  std::unique_ptr<RunCgroup> create(const std::string& name, const Limits& limits) override {
    if (!missing_.empty())
      throw std::runtime_error("cgroup v1: controller(s) not mounted: " + missing_ +
                               " (runbox needs memory, pids, cpu and cpuacct to enforce limits)");
    if (!memsw_ && swap_enabled())
      throw std::runtime_error(
          "cgroup v1: swap is on but memory.memsw is missing (boot with swapaccount=1): "
          "the memory limit could be exceeded through swap");
    ensure_cpu_shares();
    auto cg = std::make_unique<V1RunCgroup>(hierarchies_, name, unified_parent_);
    cg->create(limits, memsw_);
    return cg;
  }

  std::vector<std::string> run_parents() const override {
    std::vector<std::string> parents;
    for (const auto& h : hierarchies_) parents.push_back(h.parent_abs());
    if (!unified_parent_.empty()) parents.push_back(unified_parent_);
    return parents;
  }

  std::vector<std::string> sweep_stale() override {
    std::vector<std::string> removed;
    for (const auto& parent : run_parents()) {
      for (const auto& name : subdirectories(parent)) {
        if (!is_run_name(name) || !run_name_is_stale(name)) continue;
        std::string dir = parent + "/" + name;
        if (parent == unified_parent_) {
          try {
            write_text(dir + "/cgroup.kill", "1");
          } catch (const std::exception&) {
          }
        }
        kill_listed(dir);
        wait_cgroup_empty(dir, 1000);
        if (remove_cgroup_dir(dir)) removed.push_back(dir);
      }
    }
    return removed;
  }

 private:
  static bool swap_enabled() {
    std::string meminfo = read_text("/proc/meminfo");
    auto pos = meminfo.find("SwapTotal:");
    return pos != std::string::npos && parse_u64(meminfo.substr(pos + 10)) > 0;
  }

  // All runs sit under one cpu-hierarchy parent, so together they weigh as one task of the
  // default weight (1024), like each one of the daemon's threads beside them, instead of one
  // task's worth per run process: HTTP stays responsive when every slot spins. Not lower: in v1
  // that parent competes with every other task of the host's cgroup, not only the daemon's
  // (v2 nests both under runbox's own cgroup and can go lower; docs/cgroups.md, "CPU"). Written
  // explicitly so a parent left with another value is corrected. Once; until it succeeds every
  // create() tries again.
  void ensure_cpu_shares() {
    std::lock_guard lock(mu_);
    if (shares_set_) return;
    for (const auto& h : hierarchies_) {
      if (h.controller != "cpu") continue;
      make_cgroup_dirs(h.parent_abs());
      write_text(h.parent_abs() + "/cpu.shares", std::to_string(kRunsCpuShares));
    }
    shares_set_ = true;
  }

  static bool same_directory(const std::string& a, const std::string& b) {
    struct stat sa {}, sb {};
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  }

  static constexpr int kRunsCpuShares = 1024;

  std::mutex mu_;
  bool shares_set_ = false;
  std::vector<Hierarchy> hierarchies_;
  std::string missing_;
  std::string unified_parent_;
  bool memsw_ = false;
};

}  // namespace

std::unique_ptr<CgroupDriver> make_cgroup_v1_backend(const std::string& unified_mount) {
  return std::make_unique<V1Backend>(unified_mount);
}

}  // namespace runbox::sandbox
