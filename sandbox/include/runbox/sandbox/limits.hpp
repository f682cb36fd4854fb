#pragma once
#include <cstdint>

namespace runbox::sandbox {

// Every limit of one run. Zero is never "unlimited": a zero cpu_ms, wall_ms, output_kb or
// file_size_kb is a real limit (a run with cpu_ms 0 that uses CPU ends time_limit); memory_mb 0,
// pids 0 and cpus_milli below kMinCpusMilli could not even start the run's init, so run()
// refuses them (an internal_error result naming the limit). A limit the host cannot enforce
// refuses the run too. (runboxd refuses every zero before it gets here: docs/api.md.)
struct Limits {
  std::uint64_t cpu_ms = 2000;        // CPU time of all processes of the run (cgroup accounting)
  std::uint64_t wall_ms = 5000;       // wall clock from start to the main process's exit
  std::uint64_t memory_mb = 256;      // cgroup memory limit, swap excluded
  std::uint64_t pids = 64;            // processes and threads at once
  std::uint64_t output_kb = 1024;     // per stream (stdout, stderr)
  std::uint64_t file_size_kb = 1024;  // RLIMIT_FSIZE: largest file the program can write
  // CPU bandwidth in thousandths of a core (500 = half a core): cpu.max on cgroup v2, CFS quota
  // on v1. At least kMinCpusMilli (the kernel's smallest quota, 1 ms per 100 ms period).
  std::uint64_t cpus_milli = 1000;
  std::uint64_t box_mb = 64;          // size of the /box tmpfs when the sandbox makes it
  std::uint64_t tmp_mb = 64;          // size of the /tmp tmpfs
  std::uint64_t nofile = 256;         // RLIMIT_NOFILE
  std::uint64_t stack_mb = 64;        // RLIMIT_STACK (bounded by memory_mb anyway)
  // Inodes (files, directories, symlinks; the root counts) of each tmpfs: nr_inodes=, which
  // the size alone does not bound (100 000 empty files fit in 64 MB). Never 0: to tmpfs that
  // means unlimited.
  std::uint64_t box_inodes = 4096;    // /box
  std::uint64_t tmp_inodes = 4096;    // /tmp
  std::uint64_t shm_inodes = 1024;    // /dev/shm
};

// The CFS period runbox uses (µs) and the smallest bandwidth: the kernel refuses a quota below
// 1 ms, i.e. 0.01 core of a 100 ms period.
inline constexpr std::uint64_t kCfsPeriodUs = 100000;
inline constexpr std::uint64_t kMinCpusMilli = 10;
constexpr std::uint64_t cfs_quota_us(std::uint64_t cpus_milli) { return cpus_milli * (kCfsPeriodUs / 1000); }

constexpr std::uint64_t kib(std::uint64_t n) { return n * 1024; }
constexpr std::uint64_t mib(std::uint64_t n) { return n * 1024 * 1024; }

// RLIMIT_CPU is a per-process backstop behind the cgroup's whole-run accounting: one second
// past the limit (rounded up) so it never fires before the accurate check does.
constexpr std::uint64_t cpu_backstop_seconds(std::uint64_t cpu_ms) { return (cpu_ms + 999) / 1000 + 1; }

}  // namespace runbox::sandbox
