#pragma once
// What a streaming transport (WebSocket, gRPC RunStream) hears of a job while it runs: each
// stage as it starts, its output as the program writes it, and its result as it ends; and, for
// an interactive run, where the run stage's further stdin and signals come from. Called on the
// slot's thread; implementations hand the events to their own executor and never block long.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "runbox/sandbox/live_io.hpp"
#include "runbox/sandbox/result.hpp"

namespace runbox::job {

struct StageRef {
  enum class Kind { compile, run, test };
  Kind kind;
  std::size_t test = 0;  // Kind::test: its index in the request's tests
};

std::string_view stage_name(StageRef::Kind kind);  // "compile" | "run" | "test"

class JobEvents {
 public:
  virtual ~JobEvents() = default;
  virtual void stage_started(const StageRef& stage) = 0;
  // stream: 1 stdout, 2 stderr; only bytes the output cap keeps. A backend that cannot stream
  // (docker) reports a stage's output once it has ended, just before stage_finished.
  virtual void output(const StageRef& stage, std::uint8_t stream, std::string_view bytes) = 0;
  virtual void stage_finished(const StageRef& stage, const sandbox::Result& result) = 0;
  // Interactive: the run stage's stdin after the request's stdin, its close, and signals (the
  // job routes its output to output()). Null: the run's stdin is the request's, then EOF.
  virtual std::shared_ptr<sandbox::LiveIo> run_input() { return nullptr; }
};

}  // namespace runbox::job
