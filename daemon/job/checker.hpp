#pragma once
// A checker program decides a judge test's verdict, testlib's way: it runs with three file
// arguments — the test's input, the program's output, the expected output (`checker input.txt
// output.txt answer.txt`) — and its exit status is the verdict: 0 accepted, 1 wrong answer,
// anything else (or a checker that does not end normally) internal_error. What it prints is the
// test's checker_message: its stdout, or its stderr when stdout is empty (testlib writes there).
// The checker is compiled once per job (or taken from the compile cache) and each test's check
// runs in a fresh native sandbox of its own under the tier's seccomp policy.
#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "job/compile_cache.hpp"
#include "job/job.hpp"
#include "runbox/sandbox/work_dir.hpp"

namespace runbox::job {

// The checker's box after its compile: what each check copies. error: why it cannot check.
struct PreparedChecker {
  std::unique_ptr<sandbox::WorkDir> box;
  std::string error;
};

PreparedChecker prepare_checker(const JobPlan& plan, int cancel_fd);

struct CheckerVerdict {
  bool accepted = false;
  bool failed = false;  // neither 0 nor 1: the verdict is internal_error
  std::string message;
};

CheckerVerdict run_checker(const JobPlan& plan, const PreparedChecker& checker, uid_t uid, gid_t gid,
                           const std::string& input, const std::string& output, const std::string& answer, int cancel_fd);

}  // namespace runbox::job
