#include "job/job.hpp"

#include <poll.h>
#include <unistd.h>

#include "api/compare.hpp"
#include "job/output_budget.hpp"
#include "runbox/sandbox/work_dir.hpp"

namespace runbox::job {
namespace {

// Runs one stage through `backend`, telling `events` (if any) of its start, output and end.
class StageRunner {
 public:
  StageRunner(backend::Backend& backend, JobEvents* events) : backend_(backend), events_(events) {}

  sandbox::Result run(const StageRef& stage, sandbox::Spec spec) {
    if (!events_) return backend_.run_stage(spec);
    events_->stage_started(stage);
    if (backend_.live()) {
      std::shared_ptr<sandbox::LiveIo> io = stage.kind == StageRef::Kind::run ? events_->run_input() : nullptr;
      if (!io) io = std::make_shared<sandbox::LiveIo>();  // output only: its input never fires
      io->set_output([this, stage](std::uint8_t stream, std::string_view bytes) { events_->output(stage, stream, bytes); });
      spec.live = io;
    }
    sandbox::Result r = backend_.run_stage(spec);
    if (spec.live) spec.live->set_output({});
    if (!backend_.live()) {  // what it wrote, now, in the order it came
      for_each_output_run(r, [&](std::uint8_t stream, std::string_view bytes) { events_->output(stage, stream, bytes); });
    }
    events_->stage_finished(stage, r);
    return r;
  }

 private:
  // The result's output as runs of one stream in arrival order (stdout, then stderr, without one).
  template <class F>
  static void for_each_output_run(const sandbox::Result& r, F f) {
    std::size_t o = 0, e = 0;
    for (const auto& run : r.output_order) {
      const std::string& data = run.stream == 1 ? r.stdout_data : r.stderr_data;
      std::size_t& at = run.stream == 1 ? o : e;
      if (at >= data.size()) continue;
      const std::size_t n = std::min<std::size_t>(run.bytes, data.size() - at);
      f(run.stream, std::string_view(data).substr(at, n));
      at += n;
    }
    if (o < r.stdout_data.size()) f(1, std::string_view(r.stdout_data).substr(o));
    if (e < r.stderr_data.size()) f(2, std::string_view(r.stderr_data).substr(e));
  }

  backend::Backend& backend_;
  JobEvents* events_;
};


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
                         const std::string& stdin_data, StageRunner& stages, const StageRef& ref, int cancel_fd,
                         OutputBudget& budget) {
  StagePlan stage = plan.run;
  stage.argv.insert(stage.argv.end(), args.begin(), args.end());
  stage.limits = budget.cap(stage.limits);
  auto spec = stage_spec(plan, stage, box, cancel_fd);
  spec.stdin_data = stdin_data;
  sandbox::Result r = stages.run(ref, std::move(spec));
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

std::string_view stage_name(StageRef::Kind kind) {
  switch (kind) {
    case StageRef::Kind::compile: return "compile";
    case StageRef::Kind::run: return "run";
    case StageRef::Kind::test: return "test";
  }
  return "run";
}

JobOutcome run_job(const JobPlan& plan, const api::RunRequest& req, backend::Backend& backend, int cancel_fd,
                   JobEvents* events) {
  JobOutcome out;
  OutputBudget budget(plan.output_budget_bytes);
  StageRunner stages(backend, events);
  try {
    sandbox::WorkDir prepared(plan.box_mb, plan.uid, plan.gid, box_inodes(plan));
    write_files(prepared, req, plan);
    if (plan.compile) {
      StagePlan compile = *plan.compile;
      compile.limits = budget.cap(compile.limits);
      ++out.stages_run;
      out.compile = stages.run({StageRef::Kind::compile}, stage_spec(plan, compile, prepared, cancel_fd));
      budget.charge(*out.compile);
      if (out.compile_failed()) {
        out.cancelled = cancelled(cancel_fd);
        return out;
      }
    }
    if (req.tests) {
      out.tests.emplace();
      out.tests->reserve(req.tests->size());
      for (std::size_t i = 0; i < req.tests->size(); ++i) {
        const auto& t = (*req.tests)[i];
        // Nobody waits for the rest: no sandbox for them (the answer keeps one result per test).
        if (out.cancelled || (out.cancelled = cancelled(cancel_fd))) {
          out.tests->push_back({not_run_cancelled(), false});
          continue;
        }
        // Each test gets a fresh copy of the prepared box: no test sees or damages what another left.
        sandbox::WorkDir box(plan.box_mb, plan.uid, plan.gid, box_inodes(plan));
        box.copy_from(prepared.path());  // follows nothing the compile stage left (box_copy.hpp)
        ++out.stages_run;
        sandbox::Result r = run_once(plan, box, t.args, t.stdin_data, stages, {StageRef::Kind::test, i}, cancel_fd, budget);
        const bool matched = r.status == sandbox::Status::ok && api::compare_output(req.compare, t.expected_stdout, r.stdout_data);
        out.tests->push_back({std::move(r), matched});
      }
    } else if (!(out.cancelled = cancelled(cancel_fd))) {
      ++out.stages_run;
      out.run = run_once(plan, prepared, req.args, req.stdin_data, stages, {StageRef::Kind::run}, cancel_fd, budget);  // the box's last user
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
