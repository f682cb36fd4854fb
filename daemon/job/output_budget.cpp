#include "job/output_budget.hpp"

#include <algorithm>

namespace runbox::job {

sandbox::Limits OutputBudget::cap(sandbox::Limits limits) const {
  limits.output_kb = std::min(limits.output_kb, (left_ + 1023) / 1024);
  return limits;
}

bool OutputBudget::take(std::string& data, bool& truncated) {
  if (data.size() <= left_) {
    left_ -= data.size();
    return false;
  }
  data.resize(static_cast<std::size_t>(left_));
  data.shrink_to_fit();
  truncated = true;
  left_ = 0;
  return true;
}

void OutputBudget::charge(sandbox::Result& stage) {
  if (stage.status == sandbox::Status::internal_error) {
    // The answer carries stdout and "runbox: " + the message in place of stderr.
    stage.stderr_data.clear();
    stage.stderr_data.shrink_to_fit();
    left_ -= std::min<std::uint64_t>(left_, stage.stdout_data.size() + stage.error.size() + 8);
    return;
  }
  const bool cut_out = take(stage.stdout_data, stage.stdout_truncated);
  const bool cut_err = take(stage.stderr_data, stage.stderr_truncated);
  if (cut_out || cut_err) stage.status = sandbox::Status::output_limit;
}

}  // namespace runbox::job
