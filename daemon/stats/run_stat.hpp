#pragma once
// One finished run as the statistics keep it: who, what, how it ended and what it used. Never
// the code, the input or the output.
#include <cstdint>
#include <string>

namespace runbox::stats {

struct RunStat {
  std::int64_t time_ms = 0;  // when it finished: Unix time in milliseconds
  std::string key;           // the key's name ("anonymous" without a keys file)
  std::string tier;
  std::string runtime;
  std::string backend;  // native | docker
  std::string status;   // the word of the run's log line and runbox_runs_total
  bool success = false;  // ok, or judged with every test passed (service/run_record.cpp)
  std::uint64_t cpu_ms = 0;     // summed over the stages that ran
  std::uint64_t wall_ms = 0;    // summed over the stages that ran
  std::uint64_t memory_kb = 0;  // the largest peak of any stage
  std::uint64_t queue_wait_ms = 0;  // waiting for a slot
};

}  // namespace runbox::stats
