#pragma once
// A policy (policies/*.toml; docs/configuration.md documents the format): defaults and maxima of
// every limit for the run and the compile stage, the seccomp profile, the uid range, the sandbox
// sizes (tmpfs, open files, stack) and per-runtime overrides. Strict: an unknown key, a wrong
// type, a negative or missing value is a ConfigError naming file, line and field.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/limit_fields.hpp"
#include "runbox/sandbox/seccomp.hpp"

namespace runbox::config {

class RuntimeSet;

// One [run.default]-style table: a value per LimitField (unset = not given), with its line.
struct LimitTable {
  std::array<std::optional<std::uint64_t>, kLimitFieldCount> value;
  std::array<int, kLimitFieldCount> line{};
  const std::optional<std::uint64_t>& get(LimitField f) const { return value[static_cast<std::size_t>(f)]; }
  int line_of(LimitField f) const { return line[static_cast<std::size_t>(f)]; }
};

struct StagePolicy {
  LimitTable defaults;  // [<stage>.default]: what a request that sets nothing gets
  LimitTable maxima;    // [<stage>.max]: the most a request may ask for
};

// The limits no request can change. In the policy's [sandbox] every one is set; in a runtime
// override only the ones given are.
struct SandboxSizes {
  std::optional<std::uint64_t> box_mb;    // /box tmpfs (shared by the compile and run stages)
  std::optional<std::uint64_t> tmp_mb;    // /tmp tmpfs of each stage
  std::optional<std::uint64_t> nofile;    // RLIMIT_NOFILE
  std::optional<std::uint64_t> stack_mb;  // RLIMIT_STACK
  // nr_inodes of the /box, /tmp and /dev/shm tmpfs; optional even in [sandbox] (unset: the
  // sandbox::Limits defaults).
  std::optional<std::uint64_t> box_inodes;
  std::optional<std::uint64_t> tmp_inodes;
  std::optional<std::uint64_t> shm_inodes;
};

// [runtime.<name>...]: replaces the (multiplied) values for one runtime; absolute, not multiplied.
struct RuntimeOverride {
  std::string runtime;  // canonical runtime name
  int line = 0;         // where its first table starts
  StagePolicy run;      // partial
  StagePolicy compile;  // partial
  SandboxSizes sandbox; // partial
};

// [backend]: which engine runs the requests this policy covers. Never silently weaker: the
// backend chosen is in every response and log line.
struct BackendPolicy {
  std::optional<std::string> force;   // "native" | "docker": every run, whatever its runtime says
  std::string docker_runtime;         // OCI runtime for docker runs ("runsc" = gVisor); "" = the engine's default
  bool fallback_to_docker = false;    // native sandbox unusable for a runtime: docker (true) or refuse (false)
};

// [request]: the shape of one POST /v1/run. Bounds what one request can make the daemon hold:
// results of every test are kept until the answer is written, and JSON escaping can make an
// output byte six ("\u0001"). Optional table; these are the defaults.
struct RequestPolicy {
  std::uint64_t max_tests = 256;            // tests[] entries; more: 422 limit_exceeds_policy
  std::uint64_t max_answer_output_mb = 16;  // stdout+stderr bytes of all stages of one answer
  // A judge request's tests run on at most this many slots at once: its own and idle ones it
  // borrows (a borrowed slot goes back as soon as another request waits). 1: one at a time.
  std::uint64_t max_parallel_tests = 4;
  // Checkers a request may name (compare {"checker": {"name"}}): <dir>/<name>.toml. Empty: none.
  std::filesystem::path checkers_dir;
};

struct Policy {
  std::string origin;               // the policy file
  std::filesystem::path seccomp;    // resolved: relative paths are relative to the policy's directory
  int seccomp_line = 0;
  std::uint32_t uid_first = 0;      // runs use uids (and gids) uid_first .. uid_first+uid_count-1
  std::uint32_t uid_count = 0;
  int uid_line = 0;                 // of uids.first (errors about the range point there)
  StagePolicy run;                  // complete: every field of defaults and maxima set
  StagePolicy compile;              // complete
  SandboxSizes sandbox;             // complete
  std::vector<RuntimeOverride> overrides;
  BackendPolicy backend;
  RequestPolicy request;

  const StagePolicy& stage(StageKind s) const { return s == StageKind::run ? run : compile; }
  const RuntimeOverride* override_for(std::string_view runtime) const;
};

// base_dir resolves a relative seccomp path (the policy file's directory).
Policy parse_policy(const std::string& text, const std::string& origin, const std::filesystem::path& base_dir);
Policy load_policy(const std::filesystem::path& file);

// Loads the seccomp profile the policy names (runbox TOML or OCI JSON, by extension). A missing
// file is a ConfigError at the policy's `seccomp` line; a wrong one is the loader's PolicyError,
// naming the profile's own file, line and field.
sandbox::SeccompPolicy load_policy_seccomp(const Policy& policy);

// Checks the policy against the loaded runtimes: every [runtime.<name>] names a runtime (by its
// name, not an alias; compile tables only for compiled runtimes), and for every runtime and stage
// the effective defaults are within the effective maxima. Throws ConfigError at the culprit line.
void check_policy_runtimes(const Policy& policy, const RuntimeSet& runtimes);

}  // namespace runbox::config
