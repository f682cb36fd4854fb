#pragma once
// Runs real programs in the real python image through the sandbox library, with the static
// probe (tests/fixtures/rbprobe.c) copied into /box when a test needs it.
#include <string>
#include <vector>

#include "runbox/sandbox/sandbox.hpp"
#include "runbox/sandbox/seccomp.hpp"

namespace runbox::test {

// The default policy (policies/seccomp/default.toml), compiled once.
std::shared_ptr<const sandbox::SeccompProgram> default_seccomp();

// A spec for the python image (skips the test when root or the image is missing).
sandbox::Spec image_spec(std::vector<std::string> argv, sandbox::Limits limits = {});

// Runs argv in the python image.
sandbox::Result run_in_image(std::vector<std::string> argv, sandbox::Limits limits = {},
                             std::string stdin_data = "");

// Runs `/box/rbprobe ARGS...` in the python image.
sandbox::Result run_probe(std::vector<std::string> args, sandbox::Limits limits = {});

// What a run could leave behind on the host, to compare before and after.
struct HostLeftovers {
  std::size_t mounts = 0;          // lines in /proc/self/mountinfo
  std::size_t run_cgroups = 0;     // run-* directories under runbox's cgroup parents
  std::size_t work_dirs = 0;       // entries in /run/runbox/work
  std::size_t sandbox_procs = 0;   // processes running as the sandbox uid 65534
  bool operator==(const HostLeftovers&) const = default;
};
HostLeftovers host_leftovers();
std::string describe(const HostLeftovers& h);

// True if a process whose command line contains marker exists on the host.
bool process_with_marker_exists(const std::string& marker);

}  // namespace runbox::test
