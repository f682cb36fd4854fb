#include "cgroup/run_name.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace runbox::sandbox {
namespace {

// Field 22 of /proc/<pid>/stat: start time in clock ticks since boot; "" if the pid is gone.
std::string start_time_of(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return "";
  auto close = stat.rfind(')');  // comm may contain spaces and parentheses
  if (close == std::string::npos) return "";
  std::istringstream fields(stat.substr(close + 2));
  std::string f;
  for (int i = 3; i <= 22 && fields >> f; ++i) {
  }
  return f;
}

const std::string& self_prefix() {
  static const std::string prefix =
      "run-" + std::to_string(::getpid()) + "-" + start_time_of(::getpid()) + "-";
  return prefix;
}

}  // namespace

std::string next_run_name() {
  static std::atomic<unsigned long> seq{0};
  return self_prefix() + std::to_string(seq.fetch_add(1));
}

bool is_run_name(const std::string& name) { return name.rfind("run-", 0) == 0; }

bool run_name_is_stale(const std::string& name) {
  long pid = 0;
  unsigned long long start = 0, seq = 0;
  if (std::sscanf(name.c_str(), "run-%ld-%llu-%llu", &pid, &start, &seq) != 3) return false;
  return start_time_of(pid) != std::to_string(start);
}

}  // namespace runbox::sandbox
