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
// before the daemon starts).
DaemonProcess& daemon_for_runtimes() {
  require_images(runtime_images());
  return shared_daemon();
}

void check_runtime(const std::string& name) { check_runtime_on(daemon_for_runtimes(), name, "native"); }

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

TEST_CASE("GET /v1/runtimes lists the 12 runtimes with their versions", "[runtimes]") {
  DaemonProcess& d = daemon_for_runtimes();
  auto res = http_get(d.port(), "/v1/runtimes");
  INFO(res.body);
  REQUIRE(res.status == 200);
  CHECK(res.header("content-type") == "application/json");
  json::value v = json::parse(res.body);
  REQUIRE(v.is_array());
  std::set<std::string> names;
  for (const auto& item : v.get_array()) {
    REQUIRE(item.is_object());
    const auto& o = item.get_object();
    const std::string name = as_str(o.at("name"));
    names.insert(name);
    INFO(name << ": " << json::serialize(o));
    CHECK(o.at("version").is_string());
    CHECK_FALSE(as_str(o.at("version")).empty());
    CHECK_FALSE(o.contains("error"));
    CHECK(o.at("backend") == "native");
    bool compiled = false;
    for (const auto& p : runtime_programs())
      if (p.name == name) compiled = p.compiled;
    CHECK(o.at("compiled") == compiled);
  }
  std::set<std::string> expected;
  for (const auto& p : runtime_programs()) expected.insert(p.name);
  CHECK(names == expected);
}
