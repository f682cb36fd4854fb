#include "job/job.hpp"

#include "api/compare.hpp"
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

api::Stage internal_error(const std::string& why) {
  api::Stage s;
  s.status = "internal_error";
  s.stderr_data = "runbox: " + why;
  s.internal_cause = "job";  // preparing /box (writing files, copying it per test)
  return s;
}

// One run of the program in a fresh sandbox over `box`.
api::Stage run_once(const JobPlan& plan, const sandbox::WorkDir& box, const std::vector<std::string>& args,
                    const std::string& stdin_data, backend::Backend& backend, int cancel_fd) {
  StagePlan stage = plan.run;
  stage.argv.insert(stage.argv.end(), args.begin(), args.end());
  auto spec = stage_spec(plan, stage, box, cancel_fd);
  spec.stdin_data = stdin_data;
  return backend.run_stage(spec);
}

}  // namespace

JobOutcome run_job(const JobPlan& plan, const api::RunRequest& req, backend::Backend& backend, int cancel_fd) {
  JobOutcome out;
  try {
    sandbox::WorkDir prepared(plan.box_mb, plan.uid, plan.gid, box_inodes(plan));
    write_files(prepared, req, plan);
    if (plan.compile) {
      out.compile = backend.run_stage(stage_spec(plan, *plan.compile, prepared, cancel_fd));
      if (out.compile->status == "runtime_error") out.compile->status = "compile_error";
      if (out.compile->status != "ok") return out;
    }
    if (req.tests) {
      out.tests.emplace();
      for (const auto& t : *req.tests) {
        // Each test gets a fresh copy of the prepared box: no test sees or damages what another left.
        sandbox::WorkDir box(plan.box_mb, plan.uid, plan.gid, box_inodes(plan));
        box.copy_from(prepared.path());  // follows nothing the compile stage left (box_copy.hpp)
        api::Stage s = run_once(plan, box, t.args, t.stdin_data, backend, cancel_fd);
        s.verdict = s.status != "ok" ? s.status
                    : api::compare_output(req.compare, t.expected_stdout, s.stdout_data) ? "accepted"
                                                                                         : "wrong_answer";
        out.tests->push_back(std::move(s));
      }
    } else {
      out.run = run_once(plan, prepared, req.args, req.stdin_data, backend, cancel_fd);  // the box's last user
    }
  } catch (const std::exception& e) {
    (plan.compile && !out.compile ? out.compile : out.run) = internal_error(e.what());
  }
  return out;
}

}  // namespace runbox::job
