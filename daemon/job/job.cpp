#include "job/job.hpp"

#include <poll.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>

#include "api/compare.hpp"
#include "job/checker.hpp"
#include "job/output_budget.hpp"
#include "job/stage_runner.hpp"
#include "job/stage_spec.hpp"
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

// The program's stage over `box`, as the job's own uid.
sandbox::Spec stage_spec(const JobPlan& plan, const StagePlan& stage, const sandbox::WorkDir& box, int cancel_fd) {
  return stage_spec(plan, plan.rootfs, plan.env, stage, box, plan.uid, plan.gid, cancel_fd);
}

sandbox::Result internal_error(const std::string& why, const char* step = "job") {
  sandbox::Result r;
  r.status = sandbox::Status::internal_error;
  r.error = why;
  r.failure = {sandbox::Failure::Source::box, step, 0};  // preparing /box (writing files, copying it per test)
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

TestOutcome tested(sandbox::Result r) {
  TestOutcome t;
  t.result = std::move(r);
  return t;
}

// The answer's output budget, spent by tests that may run at once.
class SharedBudget {
 public:
  explicit SharedBudget(std::uint64_t bytes) : budget_(bytes) {}
  sandbox::Limits cap(const sandbox::Limits& l) {
    std::lock_guard lock(mu_);
    return budget_.cap(l);
  }
  void charge(sandbox::Result& r) {
    std::lock_guard lock(mu_);
    budget_.charge(r);
  }

 private:
  std::mutex mu_;
  OutputBudget budget_;
};

// One run of the program in a fresh sandbox over `box`, its output within `budget`.
sandbox::Result run_once(const JobPlan& plan, const sandbox::WorkDir& box, const std::vector<std::string>& args,
                         const std::string& stdin_data, StageRunner& stages, const StageRef& ref, int cancel_fd,
                         SharedBudget& budget, uid_t uid, gid_t gid, bool hidden = false, bool charge = true) {
  StagePlan stage = plan.run;
  stage.argv.insert(stage.argv.end(), args.begin(), args.end());
  stage.limits = budget.cap(stage.limits);
  auto spec = stage_spec(plan, plan.rootfs, plan.env, stage, box, uid, gid, cancel_fd);
  spec.stdin_data = stdin_data;
  sandbox::Result r = stages.run(ref, std::move(spec), hidden);
  if (charge) budget.charge(r);
  return r;
}

// The judge tests of one job, shared by the job's own slot and the idle slots it borrows: each
// claims the next test not yet claimed, runs it in a fresh copy of the prepared box and judges
// it. The job's thread returns only once every claimed test has ended, so a borrowed slot that
// starts late finds nothing to claim and touches nothing else.
class TestRun : public std::enable_shared_from_this<TestRun> {
 public:
  TestRun(const JobPlan& plan, const api::RunRequest& req, const sandbox::WorkDir& prepared,
          const PreparedChecker* checker, SharedBudget& budget, int cancel_fd, SlotLender* lender)
      : plan_(plan), req_(req), prepared_(prepared), checker_(checker), budget_(budget), cancel_fd_(cancel_fd),
        lender_(lender), results_(req.tests->size()) {}

  // On the job's thread: its share of the tests, borrowing slots as they come free.
  std::vector<TestOutcome> run(backend::Backend& backend, JobEvents* events, bool& was_cancelled, unsigned& stages_run) {
    StageRunner stages(backend, events);
    // Streaming transports hear the stages one at a time.
    const bool parallel = lender_ && !events && plan_.max_parallel_tests > 1;
    for (;;) {
      if (parallel) borrow();
      std::size_t i;
      if (!claim(i)) break;
      run_test(i, stages, plan_.uid, plan_.gid);
    }
    std::unique_lock lock(mu_);
    done_.wait(lock, [&] { return in_flight_ == 0; });
    for (; charged_ < results_.size(); ++charged_)  // after a cancel: the tests that ran
      if (ran_[charged_]) budget_.charge(results_[charged_].result);
    was_cancelled = stopped_;
    stages_run += stages_;
    for (std::size_t i = 0; i < results_.size(); ++i)
      if (!ran_[i]) results_[i] = tested(not_run_cancelled());
    return std::move(results_);
  }

 private:
  // Lends work to idle slots while tests are left and the per-request bound allows.
  void borrow() {
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (stopped_ || borrowed_ + 1 >= plan_.max_parallel_tests || next_ + 1 >= results_.size()) return;
        ++borrowed_;
      }
      auto self = shared_from_this();
      if (!lender_->lend([self](const BorrowedSlot& slot) { self->work_borrowed(slot); })) {
        std::lock_guard lock(mu_);
        --borrowed_;
        return;
      }
    }
  }

  void work_borrowed(const BorrowedSlot& slot) {
    StageRunner stages(slot.backend, nullptr);
    std::size_t i;
    while (claim(i)) {
      run_test(i, stages, slot.uid, slot.gid);
      if (lender_->others_waiting()) break;  // the slot goes back to the queue
    }
    std::lock_guard lock(mu_);
    --borrowed_;
  }

  bool claim(std::size_t& i) {
    std::lock_guard lock(mu_);
    // The cancel fd is looked at only while tests are left: until then the job's thread waits.
    if (stopped_ || next_ >= results_.size()) return false;
    if (cancelled(cancel_fd_)) {
      stopped_ = true;
      return false;
    }
    i = next_++;
    ++in_flight_;
    return true;
  }

  void run_test(std::size_t i, StageRunner& stages, uid_t uid, gid_t gid) {
    TestOutcome outcome;
    try {
      outcome = judge(i, stages, uid, gid);
    } catch (const std::exception& e) {
      outcome = tested(internal_error(e.what()));
    }
    {
      std::lock_guard lock(mu_);
      results_[i] = std::move(outcome);
      ran_[i] = true;
      charge_in_order();
      --in_flight_;
    }
    done_.notify_all();
  }

  // The answer's output budget is spent in test order, as when the tests run one at a time: the
  // ended tests from the first not yet charged on, up to one still running (mu_ held). A test
  // cut here ends output_limit, its verdict with it.
  void charge_in_order() {
    while (charged_ < results_.size() && ran_[charged_]) budget_.charge(results_[charged_++].result);
  }

  TestOutcome judge(std::size_t i, StageRunner& stages, uid_t uid, gid_t gid) {
    const api::TestCase& t = (*req_.tests)[i];
    if (checker_ && !checker_->box) return tested(internal_error(checker_->error, "checker"));
    // Each test gets a fresh copy of the prepared box: no test sees or damages what another left.
    sandbox::WorkDir box(plan_.box_mb, uid, gid, box_inodes(plan_));
    box.copy_from(prepared_.path());  // follows nothing the compile stage left (box_copy.hpp)
    {
      std::lock_guard lock(mu_);
      ++stages_;
    }
    TestOutcome out;
    // Charged later, in test order (charge_in_order): the budget is spent as if one at a time.
    out.result = run_once(plan_, box, t.args, t.stdin_data, stages, {StageRef::Kind::test, i}, cancel_fd_, budget_, uid,
                          gid, t.hidden, false);
    if (out.result.status != sandbox::Status::ok) return out;
    if (!checker_) {
      out.output_matched = api::compare_output(req_.compare, t.expected_stdout, out.result.stdout_data, req_.tolerance);
      return out;
    }
    CheckerVerdict v = run_checker(plan_, *checker_, uid, gid, t.stdin_data, out.result.stdout_data, t.expected_stdout, cancel_fd_);
    out.output_matched = v.accepted;
    out.checker_failed = v.failed;
    out.checker_message = std::move(v.message);
    return out;
  }

  const JobPlan& plan_;
  const api::RunRequest& req_;
  const sandbox::WorkDir& prepared_;
  const PreparedChecker* checker_;
  SharedBudget& budget_;
  const int cancel_fd_;
  SlotLender* lender_;

  std::mutex mu_;
  std::condition_variable done_;
  std::vector<TestOutcome> results_;
  std::vector<bool> ran_ = std::vector<bool>(results_.size(), false);
  std::size_t next_ = 0;
  std::size_t in_flight_ = 0;
  unsigned borrowed_ = 0;
  unsigned stages_ = 0;
  std::size_t charged_ = 0;
  bool stopped_ = false;
};

// The compile stage, or its box and result from the cache. The prepared box holds the files.
void compile(const JobPlan& plan, std::unique_ptr<sandbox::WorkDir>& prepared, StageRunner& stages, SharedBudget& budget,
             int cancel_fd, JobOutcome& out) {
  const bool cacheable = plan.compile_cache && !plan.compile_key.empty();
  if (cacheable) {
    if (auto hit = plan.compile_cache->find(plan.compile_key)) {
      auto box = std::make_unique<sandbox::WorkDir>(plan.box_mb, plan.uid, plan.gid, box_inodes(plan));
      box->copy_from(hit->box->path());
      prepared = std::move(box);
      out.compile = hit->compile;
      out.compile_cached = true;
      stages.replay({StageRef::Kind::compile}, *out.compile);
      budget.charge(*out.compile);
      return;
    }
  }
  StagePlan stage = *plan.compile;
  stage.limits = budget.cap(stage.limits);
  ++out.stages_run;
  out.compile = stages.run({StageRef::Kind::compile}, stage_spec(plan, stage, *prepared, cancel_fd));
  if (cacheable && out.compile->status == sandbox::Status::ok)
    plan.compile_cache->store(plan.compile_key, *prepared, *out.compile, plan.box_mb, box_inodes(plan));
  budget.charge(*out.compile);
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
                   JobEvents* events, SlotLender* lender) {
  JobOutcome out;
  SharedBudget budget(plan.output_budget_bytes);
  StageRunner stages(backend, events);
  try {
    auto prepared = std::make_unique<sandbox::WorkDir>(plan.box_mb, plan.uid, plan.gid, box_inodes(plan));
    write_files(*prepared, req, plan);
    if (plan.compile) {
      compile(plan, prepared, stages, budget, cancel_fd, out);
      if (out.compile_failed()) {
        out.cancelled = cancelled(cancel_fd);
        return out;
      }
    }
    if (req.tests) {
      std::optional<PreparedChecker> checker;
      if (plan.checker) checker = prepare_checker(plan, cancel_fd);
      auto tests = std::make_shared<TestRun>(plan, req, *prepared, checker ? &*checker : nullptr, budget, cancel_fd, lender);
      out.tests = tests->run(backend, events, out.cancelled, out.stages_run);
    } else if (!(out.cancelled = cancelled(cancel_fd))) {
      ++out.stages_run;
      out.run = run_once(plan, *prepared, req.args, req.stdin_data, stages, {StageRef::Kind::run}, cancel_fd, budget, plan.uid,
                         plan.gid);  // the box's last user
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
