// Spec -> Engine API create body. Why each setting: see docs/docker.md ("HostConfig").
#include "docker/container_config.hpp"

#include <sched.h>

#include <algorithm>
#include <chrono>

#include <boost/json.hpp>
#include <stdexcept>
#include <string>

#include "docker/containers.hpp"
#include "runbox/sandbox/limits.hpp"

namespace runbox::docker {
namespace {

namespace json = boost::json;


constexpr std::uint64_t kRunscHostThreads = 128;
// Against 1024 for any other container: when every slot spins, runbox's containers yield to the
// rest of the host's work (docs/docker.md, "CPU").
constexpr std::uint64_t kCpuShares = 256;

// Docker refuses NanoCpus above the CPUs the engine may use (its sched_getaffinity, the same
// host as ours: a unix socket). More cores than the host has is the host anyway: clamp.
std::uint64_t nano_cpus(std::uint64_t cpus_milli) {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::uint64_t host = ::sched_getaffinity(0, sizeof set, &set) == 0 ? static_cast<std::uint64_t>(CPU_COUNT(&set)) : 1;
  return std::min(cpus_milli, std::max<std::uint64_t>(host, 1) * 1000) * 1'000'000;  // thousandths -> billionths
}

// Docker reads 0 as "no limit" for these: refused here, whatever the layers above checked.
void refuse_zero(std::uint64_t value, const char* setting, const char* limit) {
  if (value == 0)
    throw std::invalid_argument(std::string("HostConfig.") + setting + " would be 0, which Docker reads as no limit (" +
                                limit + " = 0): refused");
}

json::object ulimit(const char* name, std::uint64_t value) {
  return json::object{{"Name", name}, {"Soft", value}, {"Hard", value}};
}

}  // namespace

json::object container_config(const sandbox::Spec& spec, const ContainerSettings& settings) {
  if (spec.argv.empty()) throw std::invalid_argument("no program to run (empty argv)");
  if (settings.seccomp_json.empty() && !settings.engine_default_seccomp)
    throw std::invalid_argument("no seccomp profile: runbox does not run without one");
  const sandbox::Limits& l = spec.limits;
  refuse_zero(l.memory_mb, "Memory", "limits.memory_mb");
  refuse_zero(l.memory_mb, "MemorySwap", "limits.memory_mb");
  refuse_zero(l.pids, "PidsLimit", "limits.pids");
  refuse_zero(l.cpus_milli, "NanoCpus", "limits.cpus");

  json::object labels{{kManagedLabel, "true"}};
  for (const auto& [k, v] : settings.labels) labels[k] = v;
  // When an orphan of this run may be removed (containers.hpp): the wall limit plus a minute.
  labels[kDeadlineLabel] = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::system_clock::now().time_since_epoch()).count() +
                                          static_cast<std::int64_t>(l.wall_ms / 1000) + 60);

  // nr_inodes as natively: the size alone does not bound the number of files, and 0 would be
  // unlimited. /dev/shm is a Tmpfs entry too (it replaces the engine's own shm mount, which has
  // only a size). runsc passes only size/mode/uid/gid to its tmpfs: see docs/docker.md.
  for (auto [what, n] : {std::pair{"tmp_inodes", l.tmp_inodes}, {"shm_inodes", l.shm_inodes}, {"box_inodes", l.box_inodes}})
    if (n == 0) throw std::invalid_argument(std::string(what) + " 0 would be an unlimited tmpfs");
  json::object tmpfs;
  tmpfs["/tmp"] = "rw,nosuid,nodev,mode=1777,size=" + std::to_string(l.tmp_mb) + "m,nr_inodes=" +
                  std::to_string(l.tmp_inodes);
  tmpfs["/dev/shm"] = "rw,nosuid,nodev,noexec,mode=1777,size=" + std::to_string(l.tmp_mb) + "m,nr_inodes=" +
                      std::to_string(l.shm_inodes);
  json::array mounts;
  if (spec.box_dir) {
    // The caller's size-limited host tmpfs (see docs/docker.md for why not an upload).
    mounts.push_back(json::object{{"Type", "bind"},
                                  {"Source", spec.box_dir->string()},
                                  {"Target", "/box"},
                                  {"ReadOnly", false},
                                  {"BindOptions", json::object{{"Propagation", "rprivate"}}}});
  } else {
    tmpfs["/box"] = "rw,nosuid,nodev,mode=0700,size=" + std::to_string(l.box_mb) + "m,nr_inodes=" +
                    std::to_string(l.box_inodes) + ",uid=" + std::to_string(spec.uid) + ",gid=" + std::to_string(spec.gid);
  }

  json::array env;
  for (const auto& kv : sandbox::sandbox_environment(spec.env)) env.emplace_back(kv);
  json::array argv;
  for (const auto& a : spec.argv) argv.emplace_back(a);

  json::object host{
      {"NetworkMode", "none"},
      {"ReadonlyRootfs", true},
      {"Memory", sandbox::mib(l.memory_mb)},
      {"MemorySwap", sandbox::mib(l.memory_mb)},  // equal: no swap on top of the limit
      {"PidsLimit", l.pids},
      {"NanoCpus", nano_cpus(l.cpus_milli)},
      {"CpuShares", kCpuShares},
      {"CapDrop", json::array{"ALL"}},
      {"SecurityOpt", settings.seccomp_json.empty()
                          ? json::array{"no-new-privileges"}  // the engine's default profile applies
                          : json::array{"no-new-privileges", "seccomp=" + settings.seccomp_json}},
      {"Tmpfs", std::move(tmpfs)},
      {"Mounts", std::move(mounts)},
      {"Ulimits", json::array{ulimit("fsize", sandbox::kib(l.file_size_kb)), ulimit("nofile", l.nofile),
                              ulimit("core", 0), ulimit("stack", sandbox::mib(l.stack_mb)),
                              ulimit("cpu", sandbox::cpu_backstop_seconds(l.cpu_ms))}},
      {"AutoRemove", false},  // runbox removes it itself, after reading its state
      {"Init", true},         // a reaper as pid 1, as the native sandbox has: normal signal semantics
      {"LogConfig", json::object{{"Type", "none"}, {"Config", json::object{}}}},  // output only via attach
  };
  if (!settings.oci_runtime.empty()) host["Runtime"] = settings.oci_runtime;
  if (settings.oci_runtime == "runsc") {
    // gVisor's sandbox (the Sentry, its gofer) lives in the container's pids cgroup with dozens of
    // host threads of its own: at PidsLimit 32 it cannot even start. The program's processes are
    // Sentry tasks, not host tasks, and the Sentry enforces RLIMIT_NPROC per sandbox, so the
    // program's limit goes there and the cgroup keeps a bound for the Sentry's own threads.
    // (Under runc RLIMIT_NPROC would count every process of the uid on the host: not used.)
    host["PidsLimit"] = l.pids + kRunscHostThreads;
    host["Ulimits"].as_array().push_back(ulimit("nproc", l.pids));
  }

  return json::object{
      {"Image", settings.image},
      {"Entrypoint", std::move(argv)},  // the whole argv: nothing of the image's Entrypoint/Cmd applies
      {"Env", std::move(env)},
      {"WorkingDir", spec.cwd},
      {"User", std::to_string(spec.uid) + ":" + std::to_string(spec.gid)},
      {"Hostname", spec.hostname},
      {"Tty", false},
      {"OpenStdin", true},
      {"StdinOnce", true},  // our write-side EOF on the attach stream closes the program's stdin
      {"AttachStdin", true},
      {"AttachStdout", true},
      {"AttachStderr", true},
      {"NetworkDisabled", true},
      {"Labels", std::move(labels)},
      {"HostConfig", std::move(host)},
  };
}

}  // namespace runbox::docker
