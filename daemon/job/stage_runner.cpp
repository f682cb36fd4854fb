#include "job/stage_runner.hpp"

#include <algorithm>
#include <memory>

namespace runbox::job {
namespace {

// The result's output as runs of one stream in arrival order (stdout, then stderr, without one).
template <class F>
void for_each_output_run(const sandbox::Result& r, F f) {
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

sandbox::Result without_output(const sandbox::Result& r) {
  sandbox::Result copy = r;
  copy.stdout_data.clear();
  copy.stderr_data.clear();
  copy.output_order.clear();
  return copy;
}

}  // namespace

sandbox::Result StageRunner::run(const StageRef& stage, sandbox::Spec spec, bool hidden) {
  if (!events_) return backend_.run_stage(spec);
  events_->stage_started(stage);
  if (backend_.live() && !hidden) {
    std::shared_ptr<sandbox::LiveIo> io = stage.kind == StageRef::Kind::run ? events_->run_input() : nullptr;
    if (!io) io = std::make_shared<sandbox::LiveIo>();  // output only: its input never fires
    io->set_output([this, stage](std::uint8_t stream, std::string_view bytes) { events_->output(stage, stream, bytes); });
    spec.live = io;
  }
  sandbox::Result r = backend_.run_stage(spec);
  if (spec.live) spec.live->set_output({});
  if (hidden) {
    events_->stage_finished(stage, without_output(r));
    return r;
  }
  if (!backend_.live()) {  // what it wrote, now, in the order it came
    for_each_output_run(r, [&](std::uint8_t stream, std::string_view bytes) { events_->output(stage, stream, bytes); });
  }
  events_->stage_finished(stage, r);
  return r;
}

void StageRunner::replay(const StageRef& stage, const sandbox::Result& r) {
  if (!events_) return;
  events_->stage_started(stage);
  for_each_output_run(r, [&](std::uint8_t stream, std::string_view bytes) { events_->output(stage, stream, bytes); });
  events_->stage_finished(stage, r);
}

}  // namespace runbox::job
