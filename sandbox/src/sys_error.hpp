#pragma once
#include <cerrno>
#include <string>
#include <system_error>

namespace runbox::sandbox {

// "what: strerror" with the errno name, e.g. "mkdir /sys/fs/cgroup/x: EACCES (Permission denied)".
std::string errno_text(int err);
[[noreturn]] void throw_errno(const std::string& what, int err = errno);

// Whole-file helpers for kernel interface files (cgroupfs, procfs); they throw on error.
std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& value);
// Reads a small file through an already open fd from offset 0 (no allocation beyond the result).
std::string pread_text(int fd);

}  // namespace runbox::sandbox
