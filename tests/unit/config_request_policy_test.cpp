// The policy's [request] table: the tests per request and the output per answer.
#include <catch2/catch.hpp>

#include <string>

#include "config/config_error.hpp"
#include "config/policy.hpp"

using namespace runbox::config;

namespace {

std::string policy_text(const std::string& request_table) {
  std::string limits = "cpu_ms = 1\nwall_ms = 1\nmemory_mb = 1\npids = 1\noutput_kb = 1\nfile_size_kb = 1\n";
  return "seccomp = \"seccomp/default.toml\"\n[uids]\nfirst = 100000\ncount = 16\n"
         "[sandbox]\nbox_mb = 1\ntmp_mb = 1\nnofile = 1\nstack_mb = 1\n"
         "[run.default]\n" + limits + "[run.max]\n" + limits + "[compile.default]\n" + limits +
         "[compile.max]\n" + limits + request_table;
}

Policy parsed(const std::string& request_table) { return parse_policy(policy_text(request_table), "p.toml", "/"); }

std::string field_of_error(const std::string& request_table) {
  try {
    parsed(request_table);
  } catch (const ConfigError& e) {
    return e.field();
  }
  return "<parsed>";
}

}  // namespace

TEST_CASE("config request policy: defaults 256 tests and 16 MB, each key optional", "[config][policy]") {
  CHECK(parsed("").request.max_tests == 256);
  CHECK(parsed("").request.max_answer_output_mb == 16);
  Policy p = parsed("[request]\nmax_tests = 10\n");
  CHECK(p.request.max_tests == 10);
  CHECK(p.request.max_answer_output_mb == 16);
  p = parsed("[request]\nmax_answer_output_mb = 0\n");  // zero is a real limit
  CHECK(p.request.max_tests == 256);
  CHECK(p.request.max_answer_output_mb == 0);
}

TEST_CASE("config request policy: the shipped default policy says 256 and 16", "[config][policy]") {
  Policy p = load_policy(std::string(RUNBOX_SOURCE_DIR) + "/policies/default.toml");
  CHECK(p.request.max_tests == 256);
  CHECK(p.request.max_answer_output_mb == 16);
}

TEST_CASE("config request policy: bad values name their field", "[config][policy]") {
  CHECK(field_of_error("[request]\nmax_tests = 0\n") == "request.max_tests");
  CHECK(field_of_error("[request]\nmax_tests = -1\n") == "request.max_tests");
  CHECK(field_of_error("[request]\nmax_tests = 65537\n") == "request.max_tests");
  CHECK(field_of_error("[request]\nmax_answer_output_mb = 1025\n") == "request.max_answer_output_mb");
  CHECK(field_of_error("[request]\nmax_answer_output_mb = \"16\"\n") == "request.max_answer_output_mb");
  CHECK(field_of_error("[request]\nmax_test = 3\n") == "request.max_test");
}
