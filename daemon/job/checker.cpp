#include "job/checker.hpp"

#include "backend/backend.hpp"
#include "job/stage_spec.hpp"

namespace runbox::job {
namespace {

constexpr std::size_t kMaxMessage = 4096;

sandbox::Spec checker_spec(const JobPlan& plan, const CheckerPlan& c, const StagePlan& stage, const sandbox::WorkDir& box,
                           uid_t uid, gid_t gid, int cancel_fd) {
  return stage_spec(plan, c.rootfs, c.env, stage, box, uid, gid, cancel_fd);
}

// Leading and trailing whitespace cut, at most kMaxMessage bytes.
std::string message_of(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  std::string m = text.substr(first, last - first + 1);
  if (m.size() > kMaxMessage) m.resize(kMaxMessage);
  return m;
}

std::string why_not_ok(const sandbox::Result& r) {
  if (r.status == sandbox::Status::internal_error) return r.error;
  std::string why(sandbox::to_string(r.status));
  if (r.exit_code) why += " (exit status " + std::to_string(*r.exit_code) + ")";
  if (r.signal) why += " (" + *r.signal + ")";
  return why;
}

}  // namespace

PreparedChecker prepare_checker(const JobPlan& plan, int cancel_fd) {
  const CheckerPlan& c = *plan.checker;
  PreparedChecker out;
  try {
    if (c.compile && plan.compile_cache && !c.compile_key.empty()) {
      if (auto hit = plan.compile_cache->find(c.compile_key)) {
        out.box = std::make_unique<sandbox::WorkDir>(c.box_mb, plan.uid, plan.gid, c.box_inodes);
        out.box->copy_from(hit->box->path());
        return out;
      }
    }
    out.box = std::make_unique<sandbox::WorkDir>(c.box_mb, plan.uid, plan.gid, c.box_inodes);
    for (const auto& f : c.files) out.box->write_file(f.name.empty() ? c.source_file : f.name, f.content);
    if (!c.compile) return out;
    backend::NativeBackend native;
    sandbox::Result r = native.run_stage(checker_spec(plan, c, *c.compile, *out.box, plan.uid, plan.gid, cancel_fd));
    if (r.status != sandbox::Status::ok) {
      std::string said = message_of(r.stderr_data.empty() ? r.stdout_data : r.stderr_data);
      out.error = "the checker (" + c.name + ") did not compile: " + why_not_ok(r) + (said.empty() ? "" : ": " + said);
      out.box.reset();
      return out;
    }
    if (plan.compile_cache && !c.compile_key.empty())
      plan.compile_cache->store(c.compile_key, *out.box, r, c.box_mb, c.box_inodes);
  } catch (const std::exception& e) {
    out.box.reset();
    out.error = std::string("the checker's box could not be prepared: ") + e.what();
  }
  return out;
}

CheckerVerdict run_checker(const JobPlan& plan, const PreparedChecker& checker, uid_t uid, gid_t gid,
                           const std::string& input, const std::string& output, const std::string& answer, int cancel_fd) {
  const CheckerPlan& c = *plan.checker;
  CheckerVerdict v;
  try {
    sandbox::WorkDir box(c.box_mb, uid, gid, c.box_inodes);
    box.copy_from(checker.box->path());
    box.write_file("input.txt", input);
    box.write_file("output.txt", output);
    box.write_file("answer.txt", answer);
    StagePlan stage = c.run;
    for (const char* f : {"input.txt", "output.txt", "answer.txt"}) stage.argv.emplace_back(f);
    backend::NativeBackend native;
    sandbox::Result r = native.run_stage(checker_spec(plan, c, stage, box, uid, gid, cancel_fd));
    v.message = message_of(r.stdout_data.empty() ? r.stderr_data : r.stdout_data);
    if (r.status == sandbox::Status::ok) {
      v.accepted = true;
    } else if (r.status == sandbox::Status::runtime_error && r.exit_code == 1) {
      v.accepted = false;
    } else {
      v.failed = true;
      const std::string why = "the checker failed: " + why_not_ok(r);
      v.message = v.message.empty() ? why : why + ": " + v.message;
      if (v.message.size() > kMaxMessage) v.message.resize(kMaxMessage);
    }
  } catch (const std::exception& e) {
    v.failed = true;
    v.message = std::string("the checker could not run: ") + e.what();
  }
  return v;
}

}  // namespace runbox::job
