#include "runbox/sandbox/leftovers.hpp"

#include <exception>

#include "cgroup/cgroup.hpp"
#include "runbox/sandbox/work_dir.hpp"

namespace runbox::sandbox {

RemovedLeftovers remove_leftovers() {
  RemovedLeftovers out;
  try {
    out.cgroups = cgroup_driver().sweep_stale();
  } catch (const std::exception& e) {
    out.errors.push_back(std::string("run cgroups: ") + e.what());
  }
  try {
    for (const auto& dir : WorkDir::sweep_stale()) out.directories.push_back(dir.string());
  } catch (const std::exception& e) {
    out.errors.push_back(std::string("work directories: ") + e.what());
  }
  return out;
}

std::vector<std::string> run_cgroup_parents() {
  try {
    return cgroup_driver().run_parents();
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace runbox::sandbox
