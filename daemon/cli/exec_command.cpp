// `runbox exec`: one program in the sandbox, the Result printed as JSON on stdout.
#include <unistd.h>

#include <boost/json.hpp>
#include <cstring>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "result_json.hpp"
#include "runbox/sandbox/sandbox.hpp"
#include "runbox/sandbox/seccomp.hpp"
#include "runbox/sandbox/work_dir.hpp"
#include "seccomp_files/seccomp_files.hpp"

namespace runbox::cli {
namespace {

struct ExecOptions {
  std::string rootfs;
  sandbox::Limits limits;
  std::string stdin_file;
  std::string box_dir;
  std::string seccomp_file;
  std::vector<std::string> env;
  std::string cwd = "/box";
  uid_t uid = 65534;
  gid_t gid = 65534;
  std::vector<std::string> argv;
  double cpus = 1.0;  // cores; Limits::cpus_milli in thousandths
};

// The installed policy, else the one in the source tree this binary was built from.
std::string default_seccomp_file() {
  for (const char* p : {"/etc/runbox/policies/seccomp/default.toml", RUNBOX_SOURCE_POLICIES "/seccomp/default.toml"})
    if (std::filesystem::exists(p)) return p;
  return "/etc/runbox/policies/seccomp/default.toml";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Compiling a policy costs ~2 ms (libseccomp probes the kernel, then generates the program), a
// large share of a one-shot `runbox exec`. The program is cached under /run/runbox (root-only)
// next to the exact policy text it came from and the compiler that compiled it; any difference
// in either recompiles.
std::shared_ptr<const sandbox::SeccompProgram> seccomp_program(const std::string& policy_file) {
  const std::string text = slurp(policy_file);
  const std::string key = sandbox::SeccompProgram::compiler_tag() + "\n" + policy_file + "\n" + text;
  const std::filesystem::path dir = "/run/runbox/seccomp";
  const std::filesystem::path cache = dir / (std::to_string(std::hash<std::string>{}(key)) + ".bpf");
  std::error_code ec;
  if (std::filesystem::exists(cache, ec)) {
    std::string blob = slurp(cache);
    if (blob.size() > key.size() && blob.compare(0, key.size(), key) == 0 &&
        (blob.size() - key.size()) % sizeof(sock_filter) == 0) {
      std::vector<sock_filter> bpf((blob.size() - key.size()) / sizeof(sock_filter));
      std::memcpy(bpf.data(), blob.data() + key.size(), blob.size() - key.size());
      return std::make_shared<sandbox::SeccompProgram>(sandbox::SeccompProgram::from_instructions(std::move(bpf)));
    }
  }
  auto program = std::make_shared<sandbox::SeccompProgram>(
      sandbox::SeccompProgram::compile(seccomp_files::load_seccomp_policy(policy_file)));
  std::filesystem::create_directories(dir, ec);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  const auto& bpf = program->instructions();
  std::string tmp = cache.string() + "." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << key;
    out.write(reinterpret_cast<const char*>(bpf.data()), static_cast<std::streamsize>(bpf.size() * sizeof(sock_filter)));
  }
  std::filesystem::rename(tmp, cache, ec);  // a cache that cannot be written only costs time
  return program;
}

int run_exec(const ExecOptions& o) {
  sandbox::Spec spec;
  spec.rootfs = o.rootfs;
  spec.argv = o.argv;
  spec.env = o.env;
  spec.cwd = o.cwd;
  spec.limits = o.limits;
  spec.limits.cpus_milli = static_cast<std::uint64_t>(std::llround(o.cpus * 1000));
  spec.uid = o.uid;
  spec.gid = o.gid;
  if (!o.stdin_file.empty()) spec.stdin_data = slurp(o.stdin_file);
  std::string policy_file = o.seccomp_file.empty() ? default_seccomp_file() : o.seccomp_file;
  spec.seccomp = seccomp_program(policy_file);
  std::optional<sandbox::WorkDir> box;
  if (!o.box_dir.empty()) {
    box.emplace(o.limits.box_mb, o.uid, o.gid, o.limits.box_inodes);
    box->copy_from(o.box_dir);
    spec.box_dir = box->path();
  }
  sandbox::Result r = sandbox::run(spec);
  std::cout << boost::json::serialize(result_to_json(r)) << std::endl;
  return r.status == sandbox::Status::internal_error ? 1 : 0;
}

}  // namespace

void register_exec_command(CLI::App& app) {
  auto o = std::make_shared<ExecOptions>();
  CLI::App* cmd = app.add_subcommand("exec", "Run one program in the sandbox and print the Result as JSON");
  cmd->add_option("--rootfs", o->rootfs, "Image root directory (e.g. /var/lib/runbox/rootfs/python)")->required();
  cmd->add_option("--cpu-ms", o->limits.cpu_ms, "CPU time limit of the whole run")->capture_default_str();
  cmd->add_option("--wall-ms", o->limits.wall_ms, "Wall-clock limit")->capture_default_str();
  cmd->add_option("--memory-mb", o->limits.memory_mb, "Memory limit (cgroup)")->capture_default_str();
  cmd->add_option("--pids", o->limits.pids, "Processes and threads at once")->capture_default_str();
  cmd->add_option("--output-kb", o->limits.output_kb, "Cap per output stream")->capture_default_str();
  cmd->add_option("--file-size-kb", o->limits.file_size_kb, "Largest file the program may write")->capture_default_str();
  cmd->add_option("--cpus", o->cpus, "CPU bandwidth in cores (0.5 = half a core)")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--box-mb", o->limits.box_mb, "Size of the /box tmpfs")->capture_default_str();
  cmd->add_option("--tmp-mb", o->limits.tmp_mb, "Size of the /tmp tmpfs")->capture_default_str();
  cmd->add_option("--box-inodes", o->limits.box_inodes, "Inodes of the /box tmpfs (files, dirs, symlinks)")
      ->capture_default_str();
  cmd->add_option("--tmp-inodes", o->limits.tmp_inodes, "Inodes of the /tmp tmpfs")->capture_default_str();
  cmd->add_option("--shm-inodes", o->limits.shm_inodes, "Inodes of the /dev/shm tmpfs")->capture_default_str();
  cmd->add_option("--stdin", o->stdin_file, "File fed to the program's stdin")->check(CLI::ExistingFile);
  cmd->add_option("--box", o->box_dir, "Directory copied into the program's /box")->check(CLI::ExistingDirectory);
  cmd->add_option("--seccomp", o->seccomp_file, "Seccomp policy (runbox TOML or OCI JSON)")->check(CLI::ExistingFile);
  // One value per --env, so a following "--" still ends the options.
  cmd->add_option("--env", o->env, "KEY=VALUE added to the program's environment (repeatable)")->allow_extra_args(false)->take_all();
  cmd->add_option("--cwd", o->cwd, "Working directory inside the sandbox")->capture_default_str();
  cmd->add_option("--uid", o->uid, "Unprivileged uid the program runs as")->capture_default_str();
  cmd->add_option("--gid", o->gid, "Unprivileged gid the program runs as")->capture_default_str();
  cmd->add_option("program", o->argv, "PROGRAM ARGS... (after --)")->required();
  cmd->callback([o] { throw CLI::RuntimeError(run_exec(*o)); });
}

}  // namespace runbox::cli
