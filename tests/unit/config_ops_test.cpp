// The operations keys of the files: runboxd.toml's keys/log_format/docker_socket and the
// exposure rule, a policy's [backend] table, a runtime's backend and docker_image.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "config/config_error.hpp"
#include "config/daemon_config.hpp"
#include "config/policy.hpp"
#include "config/runtime_def.hpp"

using namespace runbox::config;

namespace {

const std::string source_dir = RUNBOX_SOURCE_DIR;

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <class F>
ConfigError error_of(F f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e;
  }
  FAIL("no ConfigError");
  return ConfigError("", 0, "", "");
}

}  // namespace

TEST_CASE("config ops: keys, log_format and docker_socket in runboxd.toml", "[config][ops]") {
  auto c = parse_daemon_config("keys = \"keys.toml\"\nlog_format = \"text\"\ndocker_socket = \"/run/d.sock\"\n",
                               "runboxd.toml", "/etc/runbox");
  REQUIRE(c.keys_file);
  CHECK(*c.keys_file == "/etc/runbox/keys.toml");
  CHECK(c.log_format == "text");
  CHECK(c.docker_socket == "/run/d.sock");
  auto e = error_of([] { parse_daemon_config("log_format = \"xml\"\n", "runboxd.toml", "/etc/runbox"); });
  CHECK(e.field() == "log_format");
  CHECK(e.line() == 1);
  CHECK(default_daemon_config().log_format == "json");

  CHECK_FALSE(default_daemon_config().keys_file);
}

TEST_CASE("config ops: without keys only local listeners are allowed, unless insecure_no_auth", "[config][ops]") {
  DaemonConfig c = default_daemon_config();
  c.listen = {*parse_listener("127.0.0.1:8080"), *parse_listener("[::1]:1"), *parse_listener("unix:/run/x.sock"),
              *parse_listener("localhost:9")};
  CHECK_NOTHROW(check_auth_exposure(c));
  c.listen.push_back(*parse_listener("0.0.0.0:8080"));
  auto e = error_of([&] { check_auth_exposure(c); });
  CHECK(e.field() == "listen");
  CHECK(std::string(e.what()).find("--insecure-no-auth") != std::string::npos);
  c.insecure_no_auth = true;
  CHECK_NOTHROW(check_auth_exposure(c));
  c.insecure_no_auth = false;
  c.keys_file = "/etc/runbox/keys.toml";
  CHECK_NOTHROW(check_auth_exposure(c));
}

TEST_CASE("config ops: a policy's [backend] table", "[config][ops]") {
  const std::string base = read(source_dir + "/policies/default.toml");
  Policy p = parse_policy(base, "default.toml", source_dir + "/policies");
  CHECK_FALSE(p.backend.force);
  CHECK(p.backend.docker_runtime.empty());
  CHECK_FALSE(p.backend.fallback_to_docker);

  Policy u = load_policy(source_dir + "/policies/untrusted.toml");
  REQUIRE(u.backend.force);
  CHECK(*u.backend.force == "docker");
  CHECK(u.backend.docker_runtime == "runsc");

  auto e = error_of([&] { parse_policy(base + "\n[backend]\nforce = \"vm\"\n", "p.toml", "/"); });
  CHECK(e.field() == "backend.force");
  e = error_of([&] { parse_policy(base + "\n[backend]\nfallback = \"maybe\"\n", "p.toml", "/"); });
  CHECK(e.field() == "backend.fallback");
  e = error_of([&] { parse_policy(base + "\n[backend]\nengine = \"x\"\n", "p.toml", "/"); });
  CHECK(e.field() == "backend.engine");
  Policy rt = parse_policy(base + "\n[backend]\nruntime = \"runsc\"\n", "p.toml", "/");
  CHECK(rt.backend.docker_runtime == "runsc");
  Policy f = parse_policy(base + "\n[backend]\nfallback = \"docker\"\n", "p.toml", "/");
  CHECK(f.backend.fallback_to_docker);
}

TEST_CASE("config ops: a runtime's backend and docker_image", "[config][ops]") {
  const std::string rt = "name = \"py\"\nimage = \"python\"\nsource_file = \"main.py\"\nrun = [\"python3\", \"main.py\"]\n"
                         "version = [\"python3\", \"--version\"]\n";
  RuntimeDef d = parse_runtime_def(rt, "py.toml");
  CHECK(d.backend == "native");
  CHECK(d.docker_image.empty());
  d = parse_runtime_def(rt + "backend = \"docker\"\ndocker_image = \"python:3.12-slim\"\n", "py.toml");
  CHECK(d.backend == "docker");
  CHECK(d.docker_image == "python:3.12-slim");
  auto e = error_of([&] { parse_runtime_def(rt + "backend = \"podman\"\n", "py.toml"); });
  CHECK(e.field() == "backend");
  CHECK(e.line() == 6);
}
