#pragma once
// A whole request's work, backend-agnostic: write the files into a fresh /box, compile once (if
// the runtime compiles), then run once or run each judge test in a fresh sandbox with a fresh
// copy of the compiled box, and compare. The output of all stages together is bounded by the
// plan's budget; once the run is cancelled (client gone), no further stage is started.
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/run_request.hpp"
#include "backend/backend.hpp"
#include "job/compile_cache.hpp"
#include "job/job_events.hpp"
#include "job/slot_lender.hpp"
#include "runbox/sandbox/limits.hpp"
#include "runbox/sandbox/result.hpp"
#include "runbox/sandbox/seccomp.hpp"

namespace runbox::job {

struct StagePlan {
  std::vector<std::string> argv;  // the runtime's command; request args are appended to run stages
  sandbox::Limits limits;
};

// A checker program (compare {"checker": ...}): compiled once per job (or taken from the compile
// cache), then run in a sandbox of its own per test, natively, with the test's input, the
// program's output and the expected output as files (checker.hpp).
struct CheckerPlan {
  std::string name;  // the runtime's, for messages
  std::filesystem::path rootfs;
  std::vector<std::string> env;
  std::string source_file;
  std::vector<api::SourceFile> files;
  std::optional<StagePlan> compile;
  StagePlan run;
  std::uint64_t box_mb = 64;
  std::uint64_t box_inodes = 4096;
  std::string compile_key;  // empty: not cached
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
  // stdout+stderr bytes all stages together may bring into the answer (OutputBudget).
  std::uint64_t output_budget_bytes = 16 * 1024 * 1024;
  // Judge tests run on this many slots at most at once (the job's own and idle ones borrowed).
  unsigned max_parallel_tests = 1;
  std::optional<CheckerPlan> checker;
  // The compile cache and this compile's key in it (empty: not cached).
  std::shared_ptr<CompileCache> compile_cache;
  std::string compile_key;
};

// One judge test: how its run ended, and whether its stdout matched the expected one (only
// meaningful when it ended ok).
struct TestOutcome {
  sandbox::Result result;
  bool output_matched = false;
  bool checker_failed = false;  // a checker answered neither 0 nor 1, or could not run
  std::optional<std::string> checker_message;
};

// Typed to the edge: the transports make their wire form of it (api/stage_result.hpp).
struct JobOutcome {
  std::optional<sandbox::Result> compile;  // ended ok, or the job stopped there
  std::optional<sandbox::Result> run;
  std::optional<std::vector<TestOutcome>> tests;
  unsigned stages_run = 0;  // sandboxes (or containers) started for it
  bool cancelled = false;   // the cancel fd fired: the tests after that point were not run
  bool compile_cached = false;     // the compile stage came from the compile cache
  bool from_result_cache = false;  // the whole outcome came from the result cache

  bool compile_failed() const { return compile && compile->status != sandbox::Status::ok; }
  // Every stage's result, in order: compile, run, tests.
  template <class F>
  void for_each_result(F f) const {
    if (compile) f(*compile);
    if (run) f(*run);
    if (tests)
      for (const auto& t : *tests) f(t.result);
  }
};

// events (optional): each stage's start, output and end as they happen (job_events.hpp); with
// events the tests run one after another. lender (optional): idle slots the tests may borrow.
JobOutcome run_job(const JobPlan& plan, const api::RunRequest& req, backend::Backend& backend, int cancel_fd,
                   JobEvents* events = nullptr, SlotLender* lender = nullptr);

}  // namespace runbox::job
