#pragma once
// The output one answer may carry (policy [request] max_answer_output_mb), spent stage by stage:
// compile, then the run or each test in order. Every result is held until the answer is
// written, so without it 256 tests of 16 MB each would be held at once.
#include <cstdint>

#include "runbox/sandbox/limits.hpp"
#include "runbox/sandbox/result.hpp"

namespace runbox::job {

class OutputBudget {
 public:
  explicit OutputBudget(std::uint64_t bytes) : left_(bytes) {}

  // The stage's limits with output_kb (per stream) lowered to what is left, rounded up to a
  // KiB, so the sandbox never reads much more than the answer may keep (at most one KiB more
  // per stream, cut by charge). Nothing left: output_kb 0, the first byte printed ends the
  // stage output_limit.
  sandbox::Limits cap(sandbox::Limits limits) const;

  // Spends the stage's stdout, then its stderr. What does not fit is cut off (and its memory
  // released), the stream is flagged truncated and the stage ends output_limit. An
  // internal_error's answer carries runbox's own short message for stderr (api/stage_result):
  // spent, never cut (the program's stderr is dropped).
  void charge(sandbox::Result& stage);

  std::uint64_t left() const { return left_; }

 private:
  bool take(std::string& data, bool& truncated);
  std::uint64_t left_;
};

}  // namespace runbox::job
