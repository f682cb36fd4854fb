#include "sandbox_fixture.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runbox/sandbox/work_dir.hpp"
#include "seccomp_files/seccomp_files.hpp"
#include "test_env.hpp"

namespace runbox::test {

std::shared_ptr<const sandbox::SeccompProgram> default_seccomp() {
  static auto program = std::make_shared<const sandbox::SeccompProgram>(sandbox::SeccompProgram::compile(
      seccomp_files::load_seccomp_policy(RUNBOX_SOURCE_DIR "/policies/seccomp/default.toml")));
  return program;
}

sandbox::Spec image_spec(std::vector<std::string> argv, sandbox::Limits limits) {
  require_root();
  sandbox::Spec spec;
  spec.rootfs = require_image("python");
  spec.argv = std::move(argv);
  spec.limits = limits;
  spec.seccomp = default_seccomp();
  return spec;
}

sandbox::Result run_in_image(std::vector<std::string> argv, sandbox::Limits limits, std::string stdin_data) {
  auto spec = image_spec(std::move(argv), limits);
  spec.stdin_data = std::move(stdin_data);
  return sandbox::run(spec);
}

sandbox::Result run_probe(std::vector<std::string> args, sandbox::Limits limits) {
  args.insert(args.begin(), "/box/rbprobe");
  auto spec = image_spec(std::move(args), limits);
  sandbox::WorkDir box(limits.box_mb, spec.uid, spec.gid, limits.box_inodes);
  std::filesystem::copy_file(RBPROBE_PATH, box.path() / "rbprobe");
  ::chown((box.path() / "rbprobe").c_str(), spec.uid, spec.gid);
  spec.box_dir = box.path();
  return sandbox::run(spec);
}

namespace {

std::size_t count_lines(const std::string& path) {
  std::ifstream in(path);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

std::size_t count_run_dirs(const std::filesystem::path& root) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory() && it->path().filename().string().rfind("run-", 0) == 0 &&
        it->path().parent_path().filename() == "runbox")
      ++n;
  }
  return n;
}

template <typename F>
void for_each_pid(F f) {
  DIR* d = ::opendir("/proc");
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] >= '0' && e->d_name[0] <= '9') f(std::string(e->d_name));
  ::closedir(d);
}

}  // namespace

HostLeftovers host_leftovers() {
  HostLeftovers h;
  h.mounts = count_lines("/proc/self/mountinfo");
  h.run_cgroups = count_run_dirs("/sys/fs/cgroup");
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/run/runbox/work", ec);
       !ec && it != std::filesystem::directory_iterator(); ++it)
    ++h.work_dirs;
  for_each_pid([&](const std::string& pid) {
    struct stat st {};
    if (::stat(("/proc/" + pid).c_str(), &st) == 0 && st.st_uid == 65534) ++h.sandbox_procs;
  });
  return h;
}

std::string describe(const HostLeftovers& h) {
  std::ostringstream s;
  s << "mounts=" << h.mounts << " run_cgroups=" << h.run_cgroups << " work_dirs=" << h.work_dirs
    << " sandbox_procs=" << h.sandbox_procs;
  return s.str();
}

bool process_with_marker_exists(const std::string& marker) {
  bool found = false;
  for_each_pid([&](const std::string& pid) {
    std::ifstream in("/proc/" + pid + "/cmdline", std::ios::binary);
    std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmd.find(marker) != std::string::npos) found = true;
  });
  return found;
}

}  // namespace runbox::test
