#pragma once
// What runs of a crashed runbox process leave behind: run cgroups and /box work directories,
// named run-<pid>-<starttime>-<seq> (cgroup/run_name.hpp). The first run of every process
// sweeps them; remove_leftovers() does the same sweep on demand (runboxd's POST /v1/admin/cleanup).
#include <string>
#include <vector>

namespace runbox::sandbox {

struct RemovedLeftovers {
  std::vector<std::string> cgroups;      // run cgroup directories removed
  std::vector<std::string> directories;  // work directories (/run/runbox/work/run-...) removed
  std::vector<std::string> errors;       // what could not be looked at (no usable cgroup layout, ...)
};

// Removes the run cgroups and work directories whose creating process is gone, and nothing
// else: a live process's (this one's included) are left alone. Thread-safe; never throws.
RemovedLeftovers remove_leftovers();

// The directories run cgroups are made in (one per hierarchy on v1/hybrid); empty when no
// cgroup layout is usable.
std::vector<std::string> run_cgroup_parents();

}  // namespace runbox::sandbox
