// systemd/runboxd.toml, the documented example installed as /etc/runbox/runboxd.toml, parses
// with the daemon's own loader and says what its comments say.
#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>
#include <set>

#include "config/config_error.hpp"
#include "config/daemon_config.hpp"
#include "test_env.hpp"

namespace fs = std::filesystem;
using namespace runbox::config;

namespace {
const fs::path kExample = fs::path(RUNBOX_SOURCE_DIR) / "systemd" / "runboxd.toml";
}

TEST_CASE("the example runboxd.toml parses", "[config]") {
  DaemonConfig c;
  try {
    c = load_daemon_config_file(kExample, true);
  } catch (const ConfigError& e) {
    FAIL(e.what());
  }
  REQUIRE(c.listen.size() == 2);
  CHECK(c.listen[0].kind == Listener::Kind::unix_socket);
  CHECK(c.listen[0].path == "/run/runbox/runboxd.sock");
  CHECK(c.listen[1].text == "127.0.0.1:8080");
  // Relative to the file's directory: /etc/runbox/runtimes once installed there.
  CHECK(c.runtimes_dir == kExample.parent_path() / "runtimes");
  CHECK(c.policies_dir == kExample.parent_path() / "policies");
  CHECK(c.policy_file() == kExample.parent_path() / "policies" / "default.toml");
  CHECK(c.images_root == "/var/lib/runbox/rootfs");
  CHECK(c.max_body_bytes == 10 * 1024 * 1024);
  CHECK(c.log_format == "json");
  CHECK(c.docker_socket == "/var/run/docker.sock");
  CHECK_FALSE(c.keys_file);
  // Commented out: the defaults.
  CHECK(c.slots == default_slots());
  CHECK_FALSE(c.queue_size);
  // Only local listeners without keys: runboxd would start with this file as it is.
  CHECK_NOTHROW(check_auth_exposure(c));
}

TEST_CASE("the example documents every key the loader accepts", "[config]") {
  // Each key appears as `key = ...`, commented out or not; a key the loader accepts but the
  // example omits is found by uncommenting everything and comparing with the loader's list.
  const std::string text = runbox::test::read_file(kExample);
  std::set<std::string> documented;
  const std::regex key_line(R"((?:^|\n)#? ?([a-z0-9_]+) = )");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), key_line); it != std::sregex_iterator(); ++it)
    documented.insert((*it)[1]);
  // Every documented key is one the loader knows: uncommented, the whole file still parses.
  const std::string uncommented = std::regex_replace(text, std::regex(R"((^|\n)# ([a-z0-9_]+ = ))"), "$1$2");
  runbox::test::TempDir dir;
  runbox::test::write_file(dir.path() / "runboxd.toml", uncommented);
  try {
    (void)load_daemon_config_file(dir.path() / "runboxd.toml", true);
  } catch (const ConfigError& e) {
    FAIL(e.what());
  }
  // And every key the loader knows is documented: a made-up key is refused with the list.
  runbox::test::write_file(dir.path() / "bad.toml", "no_such_key = 1\n");
  std::string expected;
  try {
    (void)load_daemon_config_file(dir.path() / "bad.toml", true);
  } catch (const ConfigError& e) {
    expected = e.what();
  }
  const std::regex list(R"(expected one of: ([a-z0-9_, ]+))");
  std::smatch m;
  REQUIRE(std::regex_search(expected, m, list));
  const std::string keys = m[1];
  const std::regex word("[a-z0-9_]+");
  for (auto it = std::sregex_iterator(keys.begin(), keys.end(), word); it != std::sregex_iterator(); ++it) {
    INFO("key " << it->str());
    CHECK(documented.count(it->str()) == 1);
  }
}
