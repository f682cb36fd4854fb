#include "runbox/sandbox/result.hpp"

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

std::string signal_name(int sig) {
  // sigabbrev_np is glibc 2.32+: "SEGV" for 11, null for unnamed numbers.
  if (const char* abbrev = sigabbrev_np(sig)) return std::string("SIG") + abbrev;
  return "SIG" + std::to_string(sig);
}

}  // namespace runbox::sandbox
