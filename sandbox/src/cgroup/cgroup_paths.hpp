#pragma once
#include <string>
#include <vector>

namespace runbox::sandbox {

// This process's cgroup path in one hierarchy, from /proc/self/cgroup: the v2 line ("0::/x")
// when controller is empty, else the v1 line listing that controller. "" if absent.
std::string own_cgroup_path(const std::string& controller);

// Names of the directories in dir (no recursion); empty if dir does not exist.
std::vector<std::string> subdirectories(const std::string& dir);

// Waits until a cgroup has no processes left (cgroup.procs empty), up to timeout_ms.
bool wait_cgroup_empty(const std::string& dir, int timeout_ms);

// rmdir with a few retries: the kernel may still be releasing the last task.
bool remove_cgroup_dir(const std::string& dir);

// mkdir -p for cgroupfs directories (existing ones are fine).
void make_cgroup_dirs(const std::string& dir);

}  // namespace runbox::sandbox
