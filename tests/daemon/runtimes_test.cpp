// Every runtime through the real daemon and its real image: hello world, stdin, args, an exit
// status, stderr, a crash, a compile error (compiled runtimes) and a two-test judge request.
#include <catch2/catch.hpp>
#include <chrono>
#include <set>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "runtime_checks.hpp"
#include "runtime_programs.hpp"

using namespace runbox::test;

namespace {

// The daemon, after making sure every image the group needs is installed (a skip must come
// before the daemon starts). Group "": the original twelve ([runtimes]); "jvm", "functional",
// "native": [runtimes_<group>], each its own ctest test with only its own images required.
DaemonProcess& daemon_for_runtimes(const std::string& group = "") {
  require_images(runtime_images(group));
  return shared_daemon();
}

// The full check, then a program printing "OK" (the hello program with its text changed) prints
// exactly "OK\n".
void check_runtime(const std::string& name) {
  const RuntimeProgram& prog = runtime_program(name);
  DaemonProcess& d = daemon_for_runtimes(prog.group);
  check_runtime_on(d, name, "native");
  std::string ok = prog.hello;
  const auto at = ok.find("hello, world");
  REQUIRE(at != std::string::npos);
  ok.replace(at, 12, "OK");
  const auto started = std::chrono::steady_clock::now();
  RunReply r = post_run(d.port(), run_body(name, ok));
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  WARN(name << ": a program printing OK in " << seconds << " s");
  INFO(r.describe());
  REQUIRE(r.http.status == 200);
  if (prog.compiled) CHECK(r.obj().at("compile").at("status") == "ok");
  CHECK(r.obj().at("run").at("status") == "ok");
  CHECK(as_str(r.obj().at("run").at("stdout")) == "OK\n");
}

}  // namespace

TEST_CASE("runtime python3 through the API", "[runtimes]") { check_runtime("python3"); }
TEST_CASE("runtime bash through the API", "[runtimes]") { check_runtime("bash"); }
TEST_CASE("runtime c through the API", "[runtimes]") { check_runtime("c"); }
TEST_CASE("runtime cpp through the API", "[runtimes]") { check_runtime("cpp"); }
TEST_CASE("runtime javascript through the API", "[runtimes]") { check_runtime("javascript"); }
TEST_CASE("runtime java through the API", "[runtimes]") { check_runtime("java"); }
TEST_CASE("runtime go through the API", "[runtimes]") { check_runtime("go"); }
TEST_CASE("runtime rust through the API", "[runtimes]") { check_runtime("rust"); }
TEST_CASE("runtime ruby through the API", "[runtimes]") { check_runtime("ruby"); }
TEST_CASE("runtime php through the API", "[runtimes]") { check_runtime("php"); }
TEST_CASE("runtime perl through the API", "[runtimes]") { check_runtime("perl"); }
TEST_CASE("runtime lua through the API", "[runtimes]") { check_runtime("lua"); }

TEST_CASE("runtime kotlin through the API", "[runtimes_jvm]") { check_runtime("kotlin"); }
TEST_CASE("runtime scala through the API", "[runtimes_jvm]") { check_runtime("scala"); }
TEST_CASE("runtime clojure through the API", "[runtimes_jvm]") { check_runtime("clojure"); }
TEST_CASE("runtime groovy through the API", "[runtimes_jvm]") { check_runtime("groovy"); }

TEST_CASE("runtime haskell through the API", "[runtimes_functional]") { check_runtime("haskell"); }
TEST_CASE("runtime ocaml through the API", "[runtimes_functional]") { check_runtime("ocaml"); }
TEST_CASE("runtime racket through the API", "[runtimes_functional]") { check_runtime("racket"); }
TEST_CASE("runtime commonlisp through the API", "[runtimes_functional]") { check_runtime("commonlisp"); }
TEST_CASE("runtime erlang through the API", "[runtimes_functional]") { check_runtime("erlang"); }
TEST_CASE("runtime elixir through the API", "[runtimes_functional]") { check_runtime("elixir"); }
TEST_CASE("runtime r through the API", "[runtimes_functional]") { check_runtime("r"); }
TEST_CASE("runtime typescript through the API", "[runtimes_functional]") { check_runtime("typescript"); }

TEST_CASE("runtime csharp through the API", "[runtimes_native]") { check_runtime("csharp"); }
TEST_CASE("runtime pascal through the API", "[runtimes_native]") { check_runtime("pascal"); }
TEST_CASE("runtime fortran through the API", "[runtimes_native]") { check_runtime("fortran"); }
TEST_CASE("runtime d through the API", "[runtimes_native]") { check_runtime("d"); }
TEST_CASE("runtime nim through the API", "[runtimes_native]") { check_runtime("nim"); }
TEST_CASE("runtime cobol through the API", "[runtimes_native]") { check_runtime("cobol"); }

// Every runtime file is listed: the native ones (all groups' images required) with their probed
// versions, Dart and Swift (backend = "docker", images an operator pulls) on the docker backend,
// with no version while their images are absent.
TEST_CASE("GET /v1/runtimes lists every runtime with its version; dart and swift on docker", "[runtimes]") {
  std::vector<std::string> images;
  for (const char* group : {"", "jvm", "functional", "native"})
    for (auto& i : runtime_images(group)) images.push_back(i);
  require_images(images);
  DaemonProcess& d = shared_daemon();
  auto res = http_get(d.port(), "/v1/runtimes");
  INFO(res.body);
  REQUIRE(res.status == 200);
  CHECK(res.header("content-type") == "application/json");
  json::value v = json::parse(res.body);
  REQUIRE(v.is_array());
  CHECK(v.get_array().size() >= 30);
  std::set<std::string> names;
  for (const auto& item : v.get_array()) {
    REQUIRE(item.is_object());
    const auto& o = item.get_object();
    const std::string name = as_str(o.at("name"));
    names.insert(name);
    INFO(name << ": " << json::serialize(o));
    if (name == "dart" || name == "swift") {
      CHECK(o.at("backend") == "docker");
      CHECK(o.at("compiled") == (name == "swift"));
      // Unavailable until `docker pull dart:stable` / `docker pull swift:5.10`: no version, and
      // why (the engine lacks the image, or the engine is not there).
      CHECK(o.at("version").is_null());
      REQUIRE(o.contains("error"));
      CHECK(o.at("error").is_string());
      const std::string error = as_str(o.at("error"));
      const bool says_why = error.find(name == "dart" ? "dart:stable" : "swift:5.10") != std::string::npos ||
                            error.find("docker") != std::string::npos;
      CHECK(says_why);
      // A run is refused with the reason, and /health is not degraded by an image not pulled.
      json::object body{{"runtime", name}, {"code", "x"}};
      check_error(post_run(d.port(), body), 503, "runtime_unavailable");
      continue;
    }
    CHECK(o.at("version").is_string());
    CHECK_FALSE(as_str(o.at("version")).empty());
    CHECK_FALSE(o.contains("error"));
    CHECK(o.at("backend") == "native");
    bool compiled = false;
    for (const auto& p : runtime_programs())
      if (p.name == name) compiled = p.compiled;
    CHECK(o.at("compiled") == compiled);
  }
  std::set<std::string> expected = {"dart", "swift"};
  for (const auto& p : runtime_programs()) expected.insert(p.name);
  CHECK(expected.size() == 32);
  CHECK(names == expected);
  auto health = http_get(d.port(), "/health");
  CHECK(health.body.find("\"ok\"") != std::string::npos);
}
