// `runbox policy check FILE [--runtimes-dir DIR]`: validates a policy (and the seccomp profile it
// names, compiled to BPF as the daemon would) against the runtimes, and prints the effective run
// and compile limits per runtime. `runbox policy check --config runboxd.toml` checks the whole
// set runboxd would load (or reload on SIGHUP): the configuration, the runtimes, every tier's
// policy and the keys file. Exit 0 when valid; 1 with "runbox: file:line: field: message".
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "config/config_error.hpp"
#include "config/daemon_config.hpp"
#include "config/effective_limits.hpp"
#include "config/policy.hpp"
#include "config/runtime_def.hpp"
#include "files/daemon_files.hpp"
#include "runbox/sandbox/seccomp.hpp"

namespace runbox::cli {
namespace {

struct PolicyCheckOptions {
  std::string file;
  std::string runtimes_dir;
  std::string config;
};

std::string cell(config::LimitField f, std::uint64_t def, std::uint64_t max) {
  return def == max ? config::format_limit(f, def) : config::format_limit(f, def) + "/" + config::format_limit(f, max);
}

void print_table(const config::Policy& policy, const config::RuntimeSet& runtimes) {
  const char* heads[] = {"runtime", "stage", "cpu_ms", "wall_ms", "memory_mb", "pids", "output_kb",
                         "file_size_kb", "cpus", "box_mb", "tmp_mb", "nofile", "stack_mb", "box_inodes",
                         "tmp_inodes", "shm_inodes"};
  std::vector<std::vector<std::string>> rows;
  rows.emplace_back(std::begin(heads), std::end(heads));
  for (const auto& rt : runtimes.all()) {
    for (config::StageKind stage : {config::StageKind::compile, config::StageKind::run}) {
      if (stage == config::StageKind::compile && !rt.has_compile()) continue;
      config::StageBounds b = config::stage_bounds(policy, rt, stage);
      std::vector<std::string> row{rt.name, std::string(config::stage_name(stage))};
      for (config::LimitField f : config::kLimitFields)
        row.push_back(cell(f, config::field_of(b.defaults, f), config::field_of(b.maxima, f)));
      for (std::uint64_t v : {b.defaults.box_mb, b.defaults.tmp_mb, b.defaults.nofile, b.defaults.stack_mb,
                              b.defaults.box_inodes, b.defaults.tmp_inodes, b.defaults.shm_inodes})
        row.push_back(std::to_string(v));
      rows.push_back(std::move(row));
    }
  }
  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  for (const auto& r : rows) {
    std::ostringstream line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (i < 2) line << std::left;
      else line << std::right;
      line << std::setw(static_cast<int>(width[i])) << r[i] << (i + 1 < r.size() ? "  " : "");
    }
    std::cout << line.str() << "\n";
  }
}

// The whole set, as runboxd loads it.
int run_config_check(const PolicyCheckOptions& o) {
  try {
    config::DaemonConfig cfg = config::load_daemon_config(std::filesystem::path(o.config));
    if (!o.runtimes_dir.empty()) cfg.runtimes_dir = o.runtimes_dir;
    files::DaemonFiles files = files::load_daemon_files(cfg);
    std::cout << o.config << ": valid\n"
              << "runtimes: " << cfg.runtimes_dir.string() << " (" << files.runtimes.all().size() << ")\n"
              << "keys: " << (files.keys ? files.keys->origin() + " (" + std::to_string(files.keys->all().size()) + ")"
                                         : std::string("none (no authentication; loopback and unix sockets only)"))
              << "\n";
    for (const auto& [name, tier] : files.tiers) {
      std::cout << "tier " << name << ": " << tier.policy.origin << ", backend "
                << (tier.policy.backend.force ? *tier.policy.backend.force : std::string("per runtime"));
      if (!tier.policy.backend.docker_runtime.empty()) std::cout << " (docker runtime " << tier.policy.backend.docker_runtime << ")";
      std::cout << ", uids " << tier.policy.uid_first << ".." << (std::uint64_t{tier.policy.uid_first} + tier.policy.uid_count - 1)
                << "\n";
    }
    std::cout << "version probes: uid " << config::probe_uid(files.tiers.at("default").policy, cfg.slots) << " (no slot's)\n";
    std::cout << "\nEffective limits of the default tier, default/maximum:\n";
    print_table(files.tiers.at("default").policy, files.runtimes);
    return 0;
  } catch (const sandbox::PolicyError& e) {
    std::fprintf(stderr, "runbox: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "runbox: %s: %s\n", o.config.c_str(), e.what());
    return 1;
  }
}

int run_policy_check(const PolicyCheckOptions& o) {
  if (!o.config.empty()) return run_config_check(o);
  try {
    config::Policy policy = config::load_policy(o.file);
    sandbox::SeccompPolicy seccomp = config::load_policy_seccomp(policy);
    try {
      (void)sandbox::SeccompProgram::compile(seccomp);
    } catch (const sandbox::PolicyError&) {
      throw;
    } catch (const std::exception& e) {
      throw config::ConfigError(policy.seccomp.string(), 0, "", std::string("cannot compile: ") + e.what());
    }
    std::filesystem::path dir = o.runtimes_dir.empty() ? config::default_runtimes_dir()
                                                        : std::filesystem::path(o.runtimes_dir);
    config::RuntimeSet runtimes = config::RuntimeSet::load_dir(dir);
    config::check_policy_runtimes(policy, runtimes);

    std::cout << policy.origin << ": valid\n"
              << "seccomp: " << policy.seccomp.string() << " (" << seccomp.rules.size() << " rules)\n"
              << "uids: " << policy.uid_first << ".." << (policy.uid_first + policy.uid_count - 1) << " ("
              << policy.uid_count << ")\n"
              << "runtimes: " << dir.string() << " (" << runtimes.all().size() << ")\n"
              << "request: at most " << policy.request.max_tests << " tests, "
              << policy.request.max_answer_output_mb << " MB of output per answer\n\n"
              << "Effective limits per runtime and stage, default/maximum (one number: both the same;\n"
              << "a request may lower a limit or raise it up to the maximum; box_mb tmp_mb nofile\n"
              << "stack_mb and the *_inodes are fixed by the policy):\n";
    print_table(policy, runtimes);
    return 0;
  } catch (const sandbox::PolicyError& e) {  // ConfigError too: file:line: field: message
    std::fprintf(stderr, "runbox: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "runbox: %s: %s\n", o.file.c_str(), e.what());
    return 1;
  }
}

}  // namespace

void register_policy_command(CLI::App& app) {
  CLI::App* policy = app.add_subcommand("policy", "Policies: check one");
  policy->require_subcommand(1);
  auto o = std::make_shared<PolicyCheckOptions>();
  CLI::App* check = policy->add_subcommand(
      "check", "Validate a policy and its seccomp profile, print the effective limits per runtime");
  auto* file = check->add_option("file", o->file, "Policy file (e.g. /etc/runbox/policies/default.toml)");
  auto* cfg = check->add_option("--config", o->config,
                                "Check everything runboxd loads from this configuration (runboxd.toml): "
                                "runtimes, every tier's policy, the keys file");
  file->excludes(cfg);
  check->add_option("--runtimes-dir", o->runtimes_dir,
                    "Runtimes directory (default: /etc/runbox/runtimes, else the source tree's runtimes/)");
  check->callback([o, file, cfg] {
    if (file->count() == 0 && cfg->count() == 0) throw CLI::RequiredError("FILE or --config");
    int rc = run_policy_check(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace runbox::cli
