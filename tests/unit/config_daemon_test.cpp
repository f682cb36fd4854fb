// runboxd.toml: defaults with no file, a documented example, errors, and the command-line flags.
#include <catch2/catch.hpp>

#include <string>

#include "config/config_error.hpp"
#include "config/daemon_config.hpp"
#include "test_env.hpp"

using namespace runbox::config;
using runbox::test::TempDir;
using runbox::test::write_file;

namespace {

// The example of docs/configuration.md.
const std::string example = R"(# runboxd.toml
listen = ["127.0.0.1:8080", "[::1]:8081", "unix:/run/runbox/runboxd.sock"]
runtimes_dir = "/etc/runbox/runtimes"
policies_dir = "/etc/runbox/policies"
policy = "default.toml"
images_root = "/var/lib/runbox/rootfs"
slots = 4
queue_size = 16
max_body_bytes = 10485760
)";

ConfigError config_error(const std::string& text) {
  try {
    parse_daemon_config(text, "runboxd.toml", "/etc/runbox");
  } catch (const ConfigError& e) {
    return e;
  }
  FAIL("the configuration parsed but should not have:\n" << text);
  return ConfigError("", 0, "", "");
}

}  // namespace

TEST_CASE("config daemon: the defaults work with no file", "[config][daemon]") {
  DaemonConfig c = default_daemon_config();
  REQUIRE(c.listen.size() == 1);
  CHECK(c.listen[0].kind == Listener::Kind::tcp);
  CHECK(c.listen[0].host == "127.0.0.1");
  CHECK(c.listen[0].port == 8080);
  CHECK(c.images_root == "/var/lib/runbox/rootfs");
  CHECK(c.slots == default_slots());
  CHECK(c.slots >= 1);
  CHECK_FALSE(c.queue_size);
  CHECK(c.effective_queue_size() == 4 * c.slots);
  CHECK(c.max_body_bytes == 10u * 1024 * 1024);
  CHECK(c.policy_file() == c.policies_dir / "default.toml");
  // Installed directories, else this source tree's.
  CHECK((c.runtimes_dir == "/etc/runbox/runtimes" ||
         c.runtimes_dir == std::filesystem::path(RUNBOX_SOURCE_DIR) / "runtimes"));
  CHECK(std::filesystem::is_directory(c.runtimes_dir));
  CHECK(std::filesystem::is_directory(c.policies_dir));
  CHECK(std::filesystem::exists(c.policy_file()));
}

TEST_CASE("config daemon: a missing default file gives the defaults, a missing given file is an error", "[config][daemon]") {
  TempDir dir;
  DaemonConfig c = load_daemon_config_file(dir.path() / "runboxd.toml", false);
  CHECK(c.file.empty());
  CHECK(c.listen[0].port == 8080);
  try {
    load_daemon_config_file(dir.path() / "runboxd.toml", true);
    FAIL("a missing --config file was accepted");
  } catch (const ConfigError& e) {
    CHECK(e.file() == (dir.path() / "runboxd.toml").string());
    CHECK(std::string(e.what()).find("does not exist") != std::string::npos);
  }
  CHECK_THROWS_AS(load_daemon_config(dir.path() / "nope.toml"), ConfigError);
}

TEST_CASE("config daemon: the documented example loads every key", "[config][daemon]") {
  DaemonConfig c = parse_daemon_config(example, "/etc/runbox/runboxd.toml", "/etc/runbox");
  CHECK(c.file == "/etc/runbox/runboxd.toml");
  REQUIRE(c.listen.size() == 3);
  CHECK(c.listen[1].kind == Listener::Kind::tcp);
  CHECK(c.listen[1].host == "::1");
  CHECK(c.listen[1].port == 8081);
  CHECK(c.listen[2].kind == Listener::Kind::unix_socket);
  CHECK(c.listen[2].path == "/run/runbox/runboxd.sock");
  CHECK(c.runtimes_dir == "/etc/runbox/runtimes");
  CHECK(c.policies_dir == "/etc/runbox/policies");
  CHECK(c.policy_file() == "/etc/runbox/policies/default.toml");
  CHECK(c.slots == 4);
  CHECK(c.effective_queue_size() == 16);
  CHECK(c.max_body_bytes == 10485760u);
}

TEST_CASE("config daemon: a file read from disk resolves relative paths against its directory", "[config][daemon]") {
  TempDir dir;
  write_file(dir.path() / "runboxd.toml", "listen = \"0.0.0.0:9000\"\nruntimes_dir = \"rt\"\nqueue_size = 0\n");
  DaemonConfig c = load_daemon_config(dir.path() / "runboxd.toml");
  CHECK(c.file == dir.path() / "runboxd.toml");
  REQUIRE(c.listen.size() == 1);
  CHECK(c.listen[0].host == "0.0.0.0");
  CHECK(c.listen[0].port == 9000);
  CHECK(c.runtimes_dir == dir.path() / "rt");
  CHECK(c.policies_dir == default_policies_dir());  // not in the file: the default
  CHECK(c.effective_queue_size() == 0);             // zero: no waiting, not "unbounded"
}

TEST_CASE("config daemon: errors name the file, the line and the field", "[config][daemon]") {
  ConfigError unknown = config_error("slots = 2\nport = 80\n");
  CHECK(unknown.file() == "runboxd.toml");
  CHECK(unknown.line() == 2);
  CHECK(unknown.field() == "port");
  ConfigError type = config_error("slots = \"2\"\n");
  CHECK(type.line() == 1);
  CHECK(type.field() == "slots");
  CHECK(config_error("slots = 0\n").field() == "slots");
  CHECK(config_error("queue_size = -1\n").field() == "queue_size");
  ConfigError listen = config_error("listen = [\"127.0.0.1:8080\",\n  \"localhost\"]\n");
  CHECK(listen.line() == 2);
  CHECK(listen.field() == "listen[1]");
  CHECK(config_error("listen = []\n").field() == "listen");
  CHECK(config_error("listen = \"::1:80\"\n").field() == "listen");
  CHECK(config_error("listen = \"1.2.3.4:65536\"\n").field() == "listen");
  CHECK(config_error("listen = \"unix:relative.sock\"\n").field() == "listen");
}

TEST_CASE("config daemon: command-line flags override the file", "[config][daemon]") {
  DaemonConfig c = parse_daemon_config(example, "runboxd.toml", "/etc/runbox");
  DaemonConfigOverrides o;
  o.listen = {"127.0.0.1:0"};
  o.runtimes_dir = "/srv/runtimes";
  o.policies_dir = "/srv/policies";
  o.slots = 2;
  apply_overrides(c, o);
  REQUIRE(c.listen.size() == 1);
  CHECK(c.listen[0].port == 0);
  CHECK(c.runtimes_dir == "/srv/runtimes");
  CHECK(c.policy_file() == "/srv/policies/default.toml");
  CHECK(c.slots == 2);
  CHECK(c.effective_queue_size() == 16);  // set in the file: the flag does not change it

  DaemonConfig d = default_daemon_config();
  DaemonConfigOverrides s;
  s.slots = 3;
  apply_overrides(d, s);
  CHECK(d.effective_queue_size() == 12);  // follows the slots when the file leaves it out
  CHECK(d.listen[0].port == 8080);        // flags not given change nothing

  DaemonConfigOverrides bad;
  bad.slots = 0;
  try {
    apply_overrides(d, bad);
    FAIL("--slots 0 accepted");
  } catch (const ConfigError& e) {
    CHECK(e.field() == "--slots");
  }
  DaemonConfigOverrides bad_listen;
  bad_listen.listen = {"nowhere"};
  CHECK_THROWS_AS(apply_overrides(d, bad_listen), ConfigError);
}

TEST_CASE("config daemon: listener addresses", "[config][daemon]") {
  auto v4 = parse_listener("10.0.0.1:80");
  REQUIRE(v4);
  CHECK(v4->host == "10.0.0.1");
  CHECK(v4->port == 80);
  auto v6 = parse_listener("[::]:443");
  REQUIRE(v6);
  CHECK(v6->host == "::");
  CHECK(v6->port == 443);
  std::string why;
  CHECK_FALSE(parse_listener(":80", &why));
  CHECK_FALSE(why.empty());
  CHECK_FALSE(parse_listener("host:", &why));
  CHECK_FALSE(parse_listener("host:8o", &why));
  CHECK_FALSE(parse_listener("[::1]80", &why));
}
