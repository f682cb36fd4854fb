#pragma once
// The sandbox spec of one stage: the program's or a checker's (each with its own image and
// environment), under the job's seccomp policy, as the given uid, over the given box.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "job/job.hpp"
#include "runbox/sandbox/spec.hpp"
#include "runbox/sandbox/work_dir.hpp"

namespace runbox::job {

inline sandbox::Spec stage_spec(const JobPlan& plan, const std::filesystem::path& rootfs, const std::vector<std::string>& env,
                                const StagePlan& stage, const sandbox::WorkDir& box, uid_t uid, gid_t gid, int cancel_fd) {
  sandbox::Spec spec;
  spec.rootfs = rootfs;
  spec.argv = stage.argv;
  spec.env = env;
  spec.limits = stage.limits;
  spec.seccomp = plan.seccomp;
  spec.uid = uid;
  spec.gid = gid;
  spec.box_dir = box.path();
  spec.cancel_fd = cancel_fd;
  return spec;
}

}  // namespace runbox::job
