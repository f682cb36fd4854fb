#pragma once
// POST /v1/admin/cleanup: every sweep of what crashed runbox processes and replaced images leave,
// run at once, telling what each removed. The same sweeps run by themselves elsewhere (the first
// run of a process, a pull's or import's retired trees, runboxd's start-up container sweep);
// here they run on demand. Nothing a live process (this daemon included) still uses is touched:
// cgroups, work directories and containers are runbox's by name or label and their creator is
// gone; retired image trees are past their grace period; tarballs are ones no image was made from.
#include <boost/json/object.hpp>
#include <filesystem>
#include <string>
#include <vector>

namespace runbox::admin {

struct CleanupTargets {
  std::filesystem::path images_root;    // its .retired/ trees
  std::filesystem::path image_cache;    // scripts/lib/images.sh's tarballs
  std::filesystem::path docker_socket;  // runbox-labelled containers
};

struct CleanupReport {
  std::vector<std::string> cgroups;      // run cgroups of processes that are gone
  std::vector<std::string> directories;  // their /box work directories
  std::vector<std::string> containers;   // container ids (12 hex): dead daemons', expired image exports
  std::vector<std::string> image_trees;  // retired trees past the grace period
  std::vector<std::string> tarballs;     // unused rootfs tarballs
  std::vector<std::string> notes;        // sweeps that could not run, and why
};

// Blocking (a docker sweep asks the engine; waiting for a cgroup to empty takes up to a second).
CleanupReport clean_up_leftovers(const CleanupTargets& targets);

// {"removed": {"cgroups": [...], ..., "tarballs": [...]}, "notes": [...]}
boost::json::object cleanup_json(const CleanupReport& report);

}  // namespace runbox::admin
