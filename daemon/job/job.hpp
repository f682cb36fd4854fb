#pragma once
// A whole request's work, backend-agnostic: write the files into a fresh /box, compile once (if
// the runtime compiles), then run once or run each judge test in a fresh sandbox with a fresh
// copy of the compiled box, and compare.
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/run_request.hpp"
#include "api/stage.hpp"
#include "backend/backend.hpp"
#include "runbox/sandbox/limits.hpp"
#include "runbox/sandbox/seccomp.hpp"

namespace runbox::job {

struct StagePlan {
  std::vector<std::string> argv;  // the runtime's command; request args are appended to run stages
  sandbox::Limits limits;
};

struct JobPlan {
  std::filesystem::path rootfs;
  std::vector<std::string> env;
  std::string source_file;  // the name "code" is written as
  std::optional<StagePlan> compile;
  StagePlan run;
  std::shared_ptr<const sandbox::SeccompProgram> seccomp;
  uid_t uid = 65534;
  gid_t gid = 65534;
  std::uint64_t box_mb = 64;
};

struct JobOutcome {
  std::optional<api::Stage> compile;
  std::optional<api::Stage> run;
  std::optional<std::vector<api::Stage>> tests;
};

JobOutcome run_job(const JobPlan& plan, const api::RunRequest& req, backend::Backend& backend, int cancel_fd);

}  // namespace runbox::job
