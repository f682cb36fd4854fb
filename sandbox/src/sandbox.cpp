// run(): one program, start to finish. Everything that can fail before the program starts
// becomes an internal_error result naming the cause; every kernel object is owned by an RAII
// value, so each path (normal exit, limit, error, cancel) ends with the run's processes dead and
// its cgroups removed. Mounts need no cleanup: they live in the run's mount namespace.
#include "runbox/sandbox/sandbox.hpp"

#include <signal.h>

#include <mutex>

#include "cgroup/cgroup.hpp"
#include "cgroup/run_name.hpp"
#include "classify.hpp"
#include "prepared_child.hpp"
#include "runbox/sandbox/seccomp.hpp"
#include "runbox/sandbox/work_dir.hpp"
#include "spawn.hpp"
#include "supervisor.hpp"

namespace runbox::sandbox {
namespace {

Result internal_error(std::string why) {
  Result r;
  r.status = Status::internal_error;
  r.error = std::move(why);
  return r;
}

// Once per process: writing to a pipe whose reader is gone must be an EPIPE error, not a signal;
// and cgroups left by a crashed earlier runbox process are swept before the first run.
void process_setup(CgroupBackend& backend) {
  static std::once_flag once;
  std::call_once(once, [&] {
    ::signal(SIGPIPE, SIG_IGN);
    backend.sweep_stale();
    WorkDir::sweep_stale();
  });
}

}  // namespace

Result run(const Spec& spec) {
  if (!spec.seccomp) return internal_error("no seccomp filter given: runbox never runs without one");
  try {
    CgroupBackend& backend = cgroup_backend();
    process_setup(backend);
    sock_fprog filter{};
    filter.len = static_cast<unsigned short>(spec.seccomp->instructions().size());
    filter.filter = const_cast<sock_filter*>(spec.seccomp->instructions().data());
    auto cgroup = backend.create(next_run_name(), spec.limits);
    PreparedChild prepared(spec, &filter, cgroup->procs_fds());
    SpawnedChild child = spawn_child(prepared, cgroup->clone_into_fd());
    Result result;
    Observation obs = supervise(child, spec, *cgroup, result);
    classify(obs, result);
    return result;
  } catch (const std::exception& e) {
    return internal_error(e.what());
  }
}

std::string cgroup_mode() {
  try {
    return cgroup_backend().layout();
  } catch (const std::exception& e) {
    return std::string("unusable: ") + e.what();
  }
}

}  // namespace runbox::sandbox
