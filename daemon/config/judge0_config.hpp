#pragma once
// runboxd.toml's [judge0] table: the Judge0 CE (v1.13.1) facade (daemon/judge0/), its prefix,
// its submission store and the hosts callbacks may go to. docs/configuration.md, "[judge0]".
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "runbox/toml.hpp"

namespace runbox::tomlfile {
class TomlReader;
}

namespace runbox::config {


struct Judge0Config {
  // On by default: moving from Judge0 should be changing a URL. A store that cannot be opened
  // makes only these endpoints 503 (`enabled = false` leaves them out: 404).
  bool enabled = true;
  std::string prefix = "/judge0";  // "/judge0/submissions", "/judge0/languages", ...
  std::filesystem::path store = "/var/lib/runbox/judge0.sqlite";
  std::uint64_t token_ttl_s = 86400;      // a submission is forgotten this long after it was made
  std::uint64_t max_submissions = 10000;  // stored at once (finished or not); more: 503 queue is full
  std::vector<std::string> callback_hosts;  // callback_url hosts allowed (exact); empty: no callbacks
};

// Reads the [judge0] table of root (when present) into out; ConfigError on a bad key or value.
void read_judge0_config(const toml::table& root, const tomlfile::TomlReader& r, const std::filesystem::path& base_dir,
                        Judge0Config& out);

}  // namespace runbox::config
