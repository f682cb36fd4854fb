// run(): one program, start to finish. Everything that can fail before the program starts
// becomes an internal_error result naming the cause; every kernel object is owned by an RAII
// value, so each path (normal exit, limit, error, cancel) ends with the run's processes dead and
// its cgroups removed. Mounts need no cleanup: they live in the run's mount namespace.
#include "runbox/sandbox/sandbox.hpp"

#include <signal.h>

#include <mutex>
#include <optional>
#include <string>
#include <system_error>

#include "cgroup/cgroup.hpp"
#include "cgroup/run_name.hpp"
#include "classify.hpp"
#include "cleanup_queue.hpp"
#include "netns_pool.hpp"
#include "prepared_child.hpp"
#include "runbox/sandbox/seccomp.hpp"
#include "runbox/sandbox/work_dir.hpp"
#include "spawn.hpp"
#include "supervisor.hpp"

namespace runbox::sandbox {
namespace {

Result internal_error(std::string why, Failure failure) {
  Result r;
  r.status = Status::internal_error;
  r.error = std::move(why);
  r.failure = std::move(failure);
  return r;
}

// Once per process: writing to a pipe whose reader is gone must be an EPIPE error, not a signal;
// and cgroups left by a crashed earlier runbox process are swept before the first run.
void process_setup(CgroupDriver& backend) {
  static std::once_flag once;
  std::call_once(once, [&] {
    ::signal(SIGPIPE, SIG_IGN);
    backend.sweep_stale();
    WorkDir::sweep_stale();
  });
}

// Limits no run can start under: the kernel would fail the clone (pids 0), kill the init at
// once (memory 0) or refuse the quota (cpus below 1 ms per period). Refused by name instead of
// surfacing as an obscure setup failure.
std::optional<std::string> refused_limit(const Limits& l) {
  auto refuse = [](const std::string& limit, const char* minimum) {
    return "limits." + limit + " is below its minimum " + minimum +
           " (refused: no run can start under it, and 0 is never \"unlimited\")";
  };
  if (l.memory_mb == 0) return refuse("memory_mb = 0", "1");
  if (l.pids == 0) return refuse("pids = 0", "1");
  if (l.cpus_milli < kMinCpusMilli) return refuse("cpus = " + std::to_string(l.cpus_milli) + "/1000", "0.01");
  return std::nullopt;
}

}  // namespace

Result run(const Spec& spec) {
  if (!spec.seccomp)
    return internal_error("no seccomp filter given: runbox never runs without one", {Failure::Source::refused, "seccomp", 0});
  if (auto why = refused_limit(spec.limits)) return internal_error(*why, {Failure::Source::refused, "limits", 0});
  const char* step = "cgroup";  // the parent's step in progress, for a failure's cause
  try {
    CgroupDriver& backend = cgroup_driver();
    process_setup(backend);
    sock_fprog filter{};
    filter.len = static_cast<unsigned short>(spec.seccomp->instructions().size());
    filter.filter = const_cast<sock_filter*>(spec.seccomp->instructions().data());
    auto cgroup = backend.create(next_run_name(), spec.limits);
    step = "prepare";
    PreparedChild prepared(spec, &filter, cgroup->procs_fds());
    UniqueFd netns = take_ready_netns();  // kept open until the child has entered it
    prepared.plan().netns_fd = netns ? netns.get() : -1;
    step = "spawn";
    SpawnedChild child = spawn_child(prepared, cgroup->clone_into_fd());
    step = "supervise";
    Result result;
    Observation obs = supervise(child, spec, *cgroup, result);
    classify(obs, result);
    // Every process of the run is gone and its usage read: what is left is removal (cleanup.hpp).
    clean_up([cg = std::shared_ptr<RunCgroup>(std::move(cgroup))] {});
    return result;
  } catch (const std::system_error& e) {
    return internal_error(e.what(), {Failure::Source::host, step, e.code().value()});
  } catch (const std::exception& e) {
    return internal_error(e.what(), {Failure::Source::host, step, 0});
  }
}

std::string cgroup_mode() {
  try {
    return cgroup_driver().layout();
  } catch (const std::exception& e) {
    return std::string("unusable: ") + e.what();
  }
}

}  // namespace runbox::sandbox
