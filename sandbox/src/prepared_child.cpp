#include "prepared_child.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <stdexcept>

#include "runbox/sandbox/unique_fd.hpp"

namespace runbox::sandbox {
namespace {

const char* const kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string key_of(const std::string& kv) { return kv.substr(0, kv.find('=')); }

}  // namespace

std::string tmpfs_options(const char* what, std::uint64_t size_mb, std::uint64_t inodes, const char* mode, uid_t uid,
                          gid_t gid) {
  // tmpfs reads size=0 and nr_inodes=0 as "no limit": refuse rather than run unbounded.
  if (size_mb == 0) throw std::runtime_error(std::string(what) + " size 0 would be an unlimited tmpfs");
  if (inodes == 0) throw std::runtime_error(std::string(what) + " inodes 0 would be an unlimited tmpfs");
  return "size=" + std::to_string(mib(size_mb)) + ",nr_inodes=" + std::to_string(inodes) + ",mode=" + mode +
         ",uid=" + std::to_string(uid) + ",gid=" + std::to_string(gid);
}

namespace {

// Mount points must already exist in the read-only image (runbox image import creates them).
void require_dir(const std::filesystem::path& rootfs, const char* name) {
  struct stat st {};
  auto p = rootfs / name;
  if (::lstat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw std::runtime_error("image rootfs " + rootfs.string() + " has no /" + name +
                             " directory (import images with `runbox image import`)");
}

}  // namespace

std::vector<std::string> sandbox_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env = {std::string("PATH=") + kDefaultPath, "HOME=/box", "LANG=C.UTF-8"};
  for (const auto& kv : extra) {
    bool replaced = false;
    for (auto& e : env)
      if (key_of(e) == key_of(kv)) e = kv, replaced = true;
    if (!replaced) env.push_back(kv);
  }
  return env;
}

// The PATH candidates that can exist in the sandbox: each absent one would cost the child a failed
// execve (~30 µs: the kernel sets up a new mm before it looks the file up), three for bash or
// python3 on the default PATH. Looked up in the image from its root (RESOLVE_IN_ROOT: the image's
// own absolute symlinks resolve inside it); kept when unsure: names under the sandbox's own
// mounts, relative names, any error but "not there". Never empty: the child then reports why.
std::vector<std::string> present_in_image(const std::filesystem::path& rootfs, std::vector<std::string> candidates) {
  if (candidates.size() < 2) return candidates;
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return candidates;
  std::vector<std::string> kept;
  for (auto& c : candidates) {
    bool sure_absent = false;
    if (c.starts_with('/') && !c.starts_with("/box/") && !c.starts_with("/tmp/") && !c.starts_with("/dev/") &&
        !c.starts_with("/proc/")) {
      open_how how{};
      how.flags = O_PATH | O_CLOEXEC;
      how.resolve = RESOLVE_IN_ROOT;
      int fd = static_cast<int>(::syscall(SYS_openat2, root.get(), c.c_str() + 1, &how, sizeof how));
      if (fd >= 0) ::close(fd);
      sure_absent = fd < 0 && (errno == ENOENT || errno == ENOTDIR);
    }
    if (!sure_absent) kept.push_back(std::move(c));
  }
  return kept.empty() ? std::vector<std::string>{candidates.back()} : kept;
}

std::vector<std::string> exec_candidates(const std::string& program, const std::vector<std::string>& env) {
  if (program.find('/') != std::string::npos) return {program};
  std::string path = kDefaultPath;
  for (const auto& e : env)
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    out.push_back((dir.empty() ? "." : dir) + "/" + program);
    start = end + 1;
  }
  return out;
}

PreparedChild::PreparedChild(const Spec& spec, const sock_fprog* seccomp, std::vector<int> cgroup_procs_fds)
    : cgroup_procs_(std::move(cgroup_procs_fds)) {
  if (spec.argv.empty() || spec.argv[0].empty()) throw std::runtime_error("no program to run (empty argv)");
  for (const auto& a : spec.argv)
    if (a.find('\0') != std::string::npos) throw std::runtime_error("argument contains a NUL byte");
  std::error_code ec;
  auto rootfs = std::filesystem::canonical(spec.rootfs, ec);
  if (ec || !std::filesystem::is_directory(rootfs))
    throw std::runtime_error("image rootfs " + spec.rootfs.string() + " does not exist");
  if (rootfs == "/") throw std::runtime_error("the host's / cannot be a sandbox rootfs");
  for (const char* d : {"box", "tmp", "proc", "dev"}) require_dir(rootfs, d);
  if (spec.uid == 0 || spec.gid == 0) throw std::runtime_error("runs never get uid or gid 0");

  const Limits& l = spec.limits;
  plan_.rootfs = keep(rootfs.string());
  if (spec.box_dir) {
    auto box = std::filesystem::canonical(*spec.box_dir, ec);
    if (ec) throw std::runtime_error("box directory " + spec.box_dir->string() + " does not exist");
    plan_.box_source = keep(box.string());
  }
  plan_.box_target = keep(rootfs.string() + "/box");
  plan_.box_tmpfs_options = keep(tmpfs_options("/box", l.box_mb, l.box_inodes, "0755", spec.uid, spec.gid));
  plan_.tmp_target = keep(rootfs.string() + "/tmp");
  plan_.tmp_options = keep(tmpfs_options("/tmp", l.tmp_mb, l.tmp_inodes, "1777", 0, 0));
  plan_.proc_target = keep(rootfs.string() + "/proc");
  plan_.dev_target = keep(rootfs.string() + "/dev");
  plan_.dev_options = keep("size=65536,mode=0755");
  for (auto [name, minor] : {std::pair{"null", 3}, {"zero", 5}, {"full", 7}, {"random", 8}, {"urandom", 9}})
    dev_nodes_.push_back(DevNode{keep(rootfs.string() + "/dev/" + name), makedev(1, minor)});
  plan_.dev_nodes = dev_nodes_.data();
  plan_.dev_node_count = static_cast<int>(dev_nodes_.size());
  for (auto [name, target] : {std::pair{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"},
                              {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"}}) {
    dev_links_.push_back(keep(rootfs.string() + "/dev/" + name));
    dev_links_.push_back(keep(target));
  }
  dev_links_.push_back(nullptr);
  plan_.dev_links = dev_links_.data();
  plan_.dev_shm_target = keep(rootfs.string() + "/dev/shm");
  plan_.dev_shm_options = keep(tmpfs_options("/dev/shm", l.tmp_mb, l.shm_inodes, "1777", 0, 0));

  plan_.hostname = keep(spec.hostname);
  plan_.hostname_len = spec.hostname.size();
  rlimits_ = {{RLIMIT_FSIZE, kib(l.file_size_kb)},
              {RLIMIT_CORE, 0},
              {RLIMIT_NOFILE, l.nofile},
              {RLIMIT_STACK, mib(l.stack_mb)},
              {RLIMIT_CPU, cpu_backstop_seconds(l.cpu_ms)}};
  plan_.rlimits = rlimits_.data();
  plan_.rlimit_count = static_cast<int>(rlimits_.size());
  plan_.uid = spec.uid;
  plan_.gid = spec.gid;
  plan_.cap_last = static_cast<int>(cap_max_bits()) - 1;
  plan_.empty_caps = cap_init();
  if (!plan_.empty_caps) throw std::runtime_error("libcap: cap_init failed");
  plan_.seccomp = seccomp;

  plan_.cwd = keep(spec.cwd);
  for (const auto& a : spec.argv) argv_.push_back(const_cast<char*>(keep(a)));
  argv_.push_back(nullptr);
  auto env = sandbox_environment(spec.env);
  for (const auto& e : env) envp_.push_back(const_cast<char*>(keep(e)));
  envp_.push_back(nullptr);
  for (const auto& c : present_in_image(spec.rootfs, exec_candidates(spec.argv[0], env))) candidates_.push_back(keep(c));
  candidates_.push_back(nullptr);
  plan_.argv = argv_.data();
  plan_.envp = envp_.data();
  plan_.exec_candidates = candidates_.data();
  plan_.cgroup_procs_fds = cgroup_procs_.data();
  plan_.cgroup_procs_count = static_cast<int>(cgroup_procs_.size());
  plan_.netns_fd = -1;
}

PreparedChild::~PreparedChild() {
  if (plan_.empty_caps) cap_free(plan_.empty_caps);
}

const char* PreparedChild::keep(std::string s) { return strings_.emplace_back(std::move(s)).c_str(); }

}  // namespace runbox::sandbox
