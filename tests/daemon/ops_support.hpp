#pragma once
// Helpers for the operations tests: a daemon of the test's own (its own keys, policies and
// config in a temporary directory), keys files, and reading its JSON-line log.
#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "daemon_process.hpp"
#include "http_client.hpp"
#include "test_env.hpp"

namespace runbox::test {

struct TestKey {
  std::string name;
  std::string secret;
  std::string tier = "default";
  double rate = 1000;
  double burst = 1000;
  bool admin = false;  // `admin = true`: /v1/admin/*, every key's /v1/stats
};

// Authorization: Bearer <key>, and a JSON body's Content-Type.
Headers bearer(const std::string& key);

// keys.toml with SHA-256 hashes of the secrets, mode 0600 (or `mode`).
void write_keys_file(const std::filesystem::path& file, const std::vector<TestKey>& keys, unsigned mode = 0600);

// A copy of the source tree's policies/ (seccomp profiles included) the test may edit.
std::filesystem::path copy_policies(const std::filesystem::path& into);

// Every line of the daemon's stderr parsed as JSON; a line that does not parse is a failure.
std::vector<boost::json::object> log_objects(const std::string& log, std::string* bad_line = nullptr);
// The log objects with this "event".
std::vector<boost::json::object> log_events(const DaemonProcess& d, const std::string& event);

}  // namespace runbox::test
