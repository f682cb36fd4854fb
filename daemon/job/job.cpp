#include "job/job.hpp"

#include <poll.h>
#include <unistd.h>

#include "api/compare.hpp"
#include "job/output_budget.hpp"
#include "runbox/sandbox/work_dir.hpp"

namespace runbox::job {
namespace {

// Names were validated by the API layer (relative, no "." or ".." components, no name both a
// file and another's directory); WorkDir::write_file creates the parents top down and follows
// no symlink.
void write_files(const sandbox::WorkDir& box, const api::RunRequest& req, const JobPlan& plan) {
  for (const auto& f : req.files) box.write_file(f.name.empty() ? plan.source_file : f.name, f.content);
}

// The [sandbox] sizes are the same in every stage's limits: the run stage's give the box's.
std::uint64_t box_inodes(const JobPlan& plan) { return plan.run.limits.box_inodes; }

sandbox::Spec stage_spec(const JobPlan& plan, const StagePlan& stage, const sandbox::WorkDir& box, int cancel_fd) {
  sandbox::Spec spec;
  spec.rootfs = plan.rootfs;
  spec.argv = stage.argv;
  spec.env = plan.env;
  spec.limits = stage.limits;
  spec.seccomp = plan.seccomp;
  spec.uid = plan.uid;
  spec.gid = plan.gid;
  spec.box_dir = box.path();
  spec.cancel_fd = cancel_fd;
  return spec;
}

sandbox::Result internal_error(const std::string& why) {
  sandbox::Result r;
  r.status = sandbox::Status::internal_error;
  r.error = why;
  r.failure = {sandbox::Failure::Source::box, "job", 0};  // preparing /box (writing files, copying it per test)
  return r;
}

// One run of the program in a fresh sandbox over `box`, its output within `budget`.
sandbox::Result run_once(const JobPlan& plan, const sandbox::WorkDir& box, const std::vector<std::string>& args,
                    const std::string& stdin_data, backend::Backend& backend, int cancel_fd, OutputBudget& budget) {
  StagePlan stage = plan.run;
  stage.argv.insert(stage.argv.end(), args.begin(), args.end());
  stage.limits = budget.cap(stage.limits);
  auto spec = stage_spec(plan, stage, box, cancel_fd);
  spec.stdin_data = stdin_data;
  sandbox::Result r = backend.run_stage(spec);
  budget.charge(r);
  return r;
}

// The client has gone (or runboxd gives up on the run while draining): the cancel eventfd is
// readable. A stage running then is killed by its backend; the job checks between stages.
bool cancelled(int cancel_fd) {
  if (cancel_fd < 0) return false;
  pollfd p{cancel_fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

// A test the job did not run because the run was cancelled: what a stage killed by the
// cancellation says, without building a sandbox for it.
sandbox::Result not_run_cancelled() {
  sandbox::Result r;
  r.status = sandbox::Status::internal_error;
  r.error = "cancelled";
  r.failure = {sandbox::Failure::Source::cancelled, "cancelled", 0};
  return r;
}

}  // namespace

JobOutcome run_job(const JobPlan& plan, const api::RunRequest& req, backend::Backend& backend, int cancel_fd) {
  JobOutcome out;
  OutputBudget budget(plan.output_budget_bytes);
  try {
    sandbox::WorkDir prepared(plan.box_mb, plan.uid, plan.gid, box_inodes(plan));
    write_files(prepared, req, plan);
    if (plan.compile) {
      StagePlan compile = *plan.compile;
      compile.limits = budget.cap(compile.limits);
      ++out.stages_run;
      out.compile = backend.run_stage(stage_spec(plan, compile, prepared, cancel_fd));
      budget.charge(*out.compile);
      if (out.compile_failed()) {
        out.cancelled = cancelled(cancel_fd);
        return out;
      }
    }
    if (req.tests) {
      out.tests.emplace();
      out.tests->reserve(req.tests->size());
      for (const auto& t : *req.tests) {
        // Nobody waits for the rest: no sandbox for them (the answer keeps one result per test).
        if (out.cancelled || (out.cancelled = cancelled(cancel_fd))) {
          out.tests->push_back({not_run_cancelled(), false});
          continue;
        }
        // Each test gets a fresh copy of the prepared box: no test sees or damages what another left.
        sandbox::WorkDir box(plan.box_mb, plan.uid, plan.gid, box_inodes(plan));
        box.copy_from(prepared.path());  // follows nothing the compile stage left (box_copy.hpp)
        ++out.stages_run;
        sandbox::Result r = run_once(plan, box, t.args, t.stdin_data, backend, cancel_fd, budget);
        const bool matched = r.status == sandbox::Status::ok && api::compare_output(req.compare, t.expected_stdout, r.stdout_data);
        out.tests->push_back({std::move(r), matched});
      }
    } else if (!(out.cancelled = cancelled(cancel_fd))) {
      ++out.stages_run;
      out.run = run_once(plan, prepared, req.args, req.stdin_data, backend, cancel_fd, budget);  // the box's last user
    } else {
      out.run = not_run_cancelled();
    }
  } catch (const std::exception& e) {
    (plan.compile && !out.compile ? out.compile : out.run) = internal_error(e.what());
  }
  out.cancelled = out.cancelled || cancelled(cancel_fd);
  return out;
}

}  // namespace runbox::job
