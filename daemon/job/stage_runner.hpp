#pragma once
// Runs one stage through a backend, telling the job's events (if any) of its start, output and
// end. A hidden test's stage is announced without its output (the events carry a copy of its
// result without output), and a stage taken from the compile cache is replayed as if it ran.
#include "backend/backend.hpp"
#include "job/job_events.hpp"
#include "runbox/sandbox/result.hpp"
#include "runbox/sandbox/spec.hpp"

namespace runbox::job {

class StageRunner {
 public:
  StageRunner(backend::Backend& backend, JobEvents* events) : backend_(backend), events_(events) {}

  sandbox::Result run(const StageRef& stage, sandbox::Spec spec, bool hidden = false);
  // A result that did not run now (the compile cache's): its events only.
  void replay(const StageRef& stage, const sandbox::Result& r);

 private:
  backend::Backend& backend_;
  JobEvents* events_;
};

}  // namespace runbox::job
