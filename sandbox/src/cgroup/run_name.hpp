#pragma once
#include <string>

namespace runbox::sandbox {

// Run cgroups and work directories are named "run-<pid>-<starttime>-<seq>": unique, and a sweep
// can tell a crashed creator (pid gone or reused) from a live one without any shared state.
std::string next_run_name();
bool run_name_is_stale(const std::string& name);
bool is_run_name(const std::string& name);

}  // namespace runbox::sandbox
