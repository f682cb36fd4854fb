// The answer's output budget: what a stage may read, what it keeps, and how it is told.
#include <catch2/catch.hpp>

#include "job/output_budget.hpp"

using runbox::job::OutputBudget;
using Stage = runbox::sandbox::Result;
using runbox::sandbox::Status;

namespace {

Stage printed(std::size_t out, std::size_t err, Status status = Status::ok) {
  Stage s;
  s.status = status;
  s.stdout_data.assign(out, 'o');
  s.stderr_data.assign(err, 'e');
  return s;
}

}  // namespace

TEST_CASE("job output budget: a stage's per-stream cap is lowered to what is left, rounded up to a KiB", "[job]") {
  runbox::sandbox::Limits l;
  l.output_kb = 1024;
  CHECK(OutputBudget(16u << 20).cap(l).output_kb == 1024);  // the stage's own cap applies first
  CHECK(OutputBudget(10 * 1024).cap(l).output_kb == 10);
  CHECK(OutputBudget(10 * 1024 + 1).cap(l).output_kb == 11);
  CHECK(OutputBudget(1).cap(l).output_kb == 1);
  CHECK(OutputBudget(0).cap(l).output_kb == 0);  // nothing left: any output ends output_limit
}

TEST_CASE("job output budget: stages spend it in order, and what does not fit is cut and ends output_limit", "[job]") {
  OutputBudget b(1000);
  Stage first = printed(300, 200);
  b.charge(first);
  CHECK(first.status == Status::ok);
  CHECK(b.left() == 500);

  Stage second = printed(400, 400, Status::runtime_error);
  b.charge(second);
  CHECK(second.status == Status::output_limit);
  CHECK(second.stdout_data.size() == 400);
  CHECK_FALSE(second.stdout_truncated);
  CHECK(second.stderr_data.size() == 100);  // stdout first, stderr gets the rest
  CHECK(second.stderr_truncated);
  CHECK(b.left() == 0);

  Stage silent = printed(0, 0);
  b.charge(silent);
  CHECK(silent.status == Status::ok);  // nothing printed: still its own result

  Stage late = printed(1, 0);
  b.charge(late);
  CHECK(late.status == Status::output_limit);
  CHECK(late.stdout_data.empty());
  CHECK(late.stdout_data.capacity() < 100);  // the cut part is freed, not kept
  CHECK(late.stdout_truncated);
}

TEST_CASE("job output budget: an internal error keeps its message whole", "[job]") {
  OutputBudget b(4);
  Stage s = printed(0, 0, Status::internal_error);
  s.error = "cannot mount /proc";
  b.charge(s);
  CHECK(s.status == Status::internal_error);
  CHECK(s.error == "cannot mount /proc");
  CHECK(b.left() == 0);
}
