#include "runbox/sandbox/result.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>

namespace runbox::sandbox {

std::string_view to_string(Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::runtime_error: return "runtime_error";
    case Status::time_limit: return "time_limit";
    case Status::wall_time_limit: return "wall_time_limit";
    case Status::memory_limit: return "memory_limit";
    case Status::output_limit: return "output_limit";
    case Status::internal_error: return "internal_error";
  }
  return "internal_error";
}

std::string interleaved_output(const Result& r) {
  std::string out;
  out.reserve(r.stdout_data.size() + r.stderr_data.size());
  std::size_t at[3] = {0, 0, 0};
  const std::string* data[3] = {nullptr, &r.stdout_data, &r.stderr_data};
  for (const OutputRun& run : r.output_order) {
    if (run.stream != 1 && run.stream != 2) continue;
    const std::string& d = *data[run.stream];
    const std::size_t n = std::min<std::size_t>(run.bytes, d.size() - std::min(at[run.stream], d.size()));
    out.append(d, at[run.stream], n);
    at[run.stream] += n;
  }
  for (int stream : {1, 2})
    if (at[stream] < data[stream]->size()) out.append(*data[stream], at[stream], std::string::npos);
  return out;
}

std::string signal_name(int sig) {
  // sigabbrev_np is glibc 2.32+: "SEGV" for 11, null for unnamed numbers.
  if (const char* abbrev = sigabbrev_np(sig)) return std::string("SIG") + abbrev;
  return "SIG" + std::to_string(sig);
}

}  // namespace runbox::sandbox
