// cgroup v2 backend. Runs live in <own cgroup>/runbox/<run>, with memory, pids and cpu enabled
// down that subtree; each run gets memory.max, pids.max and cpu.max (its CPU bandwidth), and
// the runbox parent a low cpu.weight. Under systemd with Delegate=yes the service's cgroup is ours; v2 forbids
// processes in a cgroup that enables controllers for its children, so runbox first moves
// itself into a leaf of its own (<own>/supervisor), as isolate's cg-keeper does.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

const char* const kControllers[] = {"memory", "pids", "cpu"};
const char* const kEnable = "+memory +pids +cpu";
constexpr int kRunsCpuWeight = 20;  // of <own>/runbox, against 100 for the daemon's leaf

std::uint64_t stat_field(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string k;
  std::uint64_t v = 0;
  while (in >> k >> v)
    if (k == key) return v;
  return 0;
}

bool has_word(const std::string& list, const std::string& word) {
  std::istringstream in(list);
  std::string w;
  while (in >> w)
    if (w == word) return true;
  return false;
}

UniqueFd open_or_throw(const std::string& path, int flags) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (!fd) throw_errno("open " + path);
  return fd;
}

class V2RunCgroup final : public RunCgroup {
 public:
  explicit V2RunCgroup(std::string dir) : dir_(std::move(dir)) {}

  void create(const Limits& limits) {
    if (::mkdir(dir_.c_str(), 0755) != 0) throw_errno("mkdir " + dir_);
    created_ = true;
    write_text(dir_ + "/memory.max", std::to_string(mib(limits.memory_mb)));
    if (::access((dir_ + "/memory.swap.max").c_str(), F_OK) == 0)
      write_text(dir_ + "/memory.swap.max", "0");
    write_text(dir_ + "/pids.max", std::to_string(limits.pids));
    write_text(dir_ + "/cpu.max", std::to_string(cfs_quota_us(limits.cpus_milli)) + " " + std::to_string(kCfsPeriodUs));
    dir_fd_ = open_or_throw(dir_, O_RDONLY | O_DIRECTORY);
    cpu_fd_ = open_or_throw(dir_ + "/cpu.stat", O_RDONLY);
    events_fd_ = open_or_throw(dir_ + "/memory.events", O_RDONLY);
    peak_fd_.reset(::open((dir_ + "/memory.peak").c_str(), O_RDONLY | O_CLOEXEC));  // 5.19+
    current_fd_ = open_or_throw(dir_ + "/memory.current", O_RDONLY);
  }

  ~V2RunCgroup() override {
    if (!created_) return;
    kill_all();
    wait_cgroup_empty(dir_, 2000);
    remove_cgroup_dir(dir_);
  }

  int clone_into_fd() const override { return dir_fd_.get(); }
  std::vector<int> procs_fds() const override { return {}; }

  std::uint64_t cpu_usage_ns() override { return stat_field(pread_text(cpu_fd_.get()), "usage_usec") * 1000; }

  std::uint64_t memory_peak_bytes() override {
    // Without memory.peak (kernels before 5.19) the best available is the current usage.
    int fd = peak_fd_ ? peak_fd_.get() : current_fd_.get();
    return std::strtoull(pread_text(fd).c_str(), nullptr, 10);
  }

  std::uint64_t oom_kills() override { return stat_field(pread_text(events_fd_.get()), "oom_kill"); }

  void kill_all() override {
    try {
      write_text(dir_ + "/cgroup.kill", "1");
    } catch (const std::exception&) {
    }
  }

 private:
  std::string dir_;
  bool created_ = false;
  UniqueFd dir_fd_, cpu_fd_, events_fd_, peak_fd_, current_fd_;
};

class V2Backend final : public CgroupDriver {
 public:
  explicit V2Backend(const std::string& mount) {
    std::string own = own_cgroup_path("");
    own_ = mount + (own == "/" ? "" : own);
    parent_ = own_ + "/runbox";
  }

  std::string layout() const override { return "v2"; }

  std::unique_ptr<RunCgroup> create(const std::string& name, const Limits& limits) override {
    ensure_parent();
    if (!swap_max_ && swap_enabled())
      throw std::runtime_error("cgroup v2: swap is on but memory.swap.max is missing (swap accounting is off: "
                               "boot without swapaccount=0): the memory limit could be exceeded through swap");
    auto cg = std::make_unique<V2RunCgroup>(parent_ + "/" + name);
    cg->create(limits);
    return cg;
  }

  std::vector<std::string> run_parents() const override { return {parent_}; }

  std::vector<std::string> sweep_stale() override {
    std::vector<std::string> removed;
    for (const auto& name : subdirectories(parent_)) {
      if (!is_run_name(name) || !run_name_is_stale(name)) continue;
      std::string dir = parent_ + "/" + name;
      try {
        write_text(dir + "/cgroup.kill", "1");
      } catch (const std::exception&) {
      }
      wait_cgroup_empty(dir, 1000);
      if (remove_cgroup_dir(dir)) removed.push_back(dir);
    }
    return removed;
  }

 private:
  // Enables the controllers runbox needs from its own cgroup down to the runbox parent, once.
  // Until that succeeds every create() tries again (and is refused with the reason).
  void ensure_parent() {
    std::lock_guard lock(mu_);
    if (ready_) return;
    std::string available = read_text(own_ + "/cgroup.controllers");
    for (const char* c : kControllers)
      if (!has_word(available, c))
        throw std::runtime_error(std::string("cgroup v2: the ") + c + " controller is not available in " +
                                 own_ + " (not delegated: run runboxd under systemd with Delegate=yes, "
                                 "or enable it in the parent's cgroup.subtree_control)");
    enable_controllers(own_);
    make_cgroup_dirs(parent_);
    write_text(parent_ + "/cgroup.subtree_control", kEnable);
    // All runs together weigh less than the daemon's own leaf (default weight 100), so HTTP
    // threads stay responsive when every slot spins (docs/cgroups.md, "CPU").
    write_text(parent_ + "/cpu.weight", std::to_string(kRunsCpuWeight));
    // Without swap accounting (booted with swapaccount=0) there is no memory.swap.max: swap could
    // stretch the memory limit, so runs are refused while swap is on (checked at each create).
    swap_max_ = ::access((parent_ + "/memory.swap.max").c_str(), F_OK) == 0;
    ready_ = true;
  }

  void enable_controllers(const std::string& dir) {
    std::string enabled = read_text(dir + "/cgroup.subtree_control");
    bool all = true;
    for (const char* c : kControllers) all = all && has_word(enabled, c);
    if (all) return;
    int err = try_write(dir + "/cgroup.subtree_control", kEnable);
    if (err == 0) return;
    if (err != EBUSY)
      throw std::runtime_error("cgroup v2: cannot enable memory, pids and cpu in " + dir + "/cgroup.subtree_control: " +
                               errno_text(err) + " (runbox's cgroup is not delegated to it: run runboxd "
                               "under systemd with Delegate=yes)");
    // EBUSY: processes live in our own cgroup (v2 allows none in a cgroup that enables
    // controllers for its children). Move this process into a leaf, then retry. If other
    // processes share the cgroup this still fails: move back and remove the leaf, so a refused
    // run leaves the cgroup tree and runbox where they were, and refuse.
    const std::string leaf = own_ + "/supervisor";
    const std::string pid = std::to_string(::getpid());
    const bool made_leaf = ::mkdir(leaf.c_str(), 0755) == 0;
    if (!made_leaf && errno != EEXIST) throw_errno("mkdir " + leaf);
    err = try_write(leaf + "/cgroup.procs", pid);
    if (err == 0) err = try_write(dir + "/cgroup.subtree_control", kEnable);
    if (err == 0) return;
    try_write(own_ + "/cgroup.procs", pid);
    if (made_leaf) remove_cgroup_dir(leaf);
    std::string why = "cgroup v2: cannot enable memory, pids and cpu for runs under " + dir + ": " + errno_text(err);
    if (err == EBUSY)
      why += " (other processes share runbox's cgroup " + own_ +
             "; give it a delegated cgroup of its own, e.g. systemd Delegate=yes)";
    throw std::runtime_error(why);
  }

  // write_text without the throw: 0 or the errno.
  static int try_write(const std::string& path, const std::string& value) {
    try {
      write_text(path, value);
      return 0;
    } catch (const std::system_error& e) {
      return e.code().value();
    }
  }

  static bool swap_enabled() {
    std::string meminfo = read_text("/proc/meminfo");
    auto pos = meminfo.find("SwapTotal:");
    return pos != std::string::npos && std::strtoull(meminfo.c_str() + pos + 10, nullptr, 10) > 0;
  }

  std::string own_, parent_;
  std::mutex mu_;
  bool ready_ = false;
  bool swap_max_ = false;
};

}  // namespace

std::unique_ptr<CgroupDriver> make_cgroup_v2_backend(const std::string& mount) {
  return std::make_unique<V2Backend>(mount);
}

}  // namespace runbox::sandbox
