// Judge0 request conversion: query options, field-by-field validation with Judge0's messages,
// unit conversion (s → ms, KB → MB), the RunRequest it becomes.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "judge0/judge0_request.hpp"

using namespace runbox;
using namespace runbox::judge0;
namespace json = boost::json;

namespace {

FieldErrors errors_of(const std::string& body, bool base64 = false, const std::vector<std::string>& hosts = {}) {
  auto r = parse_submission(json::parse(body), base64, hosts);
  REQUIRE(std::holds_alternative<FieldErrors>(r));
  return std::get<FieldErrors>(r);
}

Submission valid(const std::string& body, bool base64 = false, const std::vector<std::string>& hosts = {}) {
  auto r = parse_submission(json::parse(body), base64, hosts);
  if (auto* e = std::get_if<FieldErrors>(&r)) FAIL(json::serialize(errors_json(*e)));
  return std::get<Submission>(r);
}

}  // namespace

TEST_CASE("judge0 request: query options", "[judge0]") {
  auto q = std::get<QueryOptions>(parse_query("/judge0/submissions?base64_encoded=true&wait=true&fields=stdout,status"));
  CHECK(q.base64);
  CHECK(q.wait);
  CHECK(q.fields == std::vector<std::string>{"stdout", "status"});
  auto d = std::get<QueryOptions>(parse_query("/judge0/submissions?wait=1&base64_encoded=TRUE"));
  CHECK_FALSE(d.wait);  // v1.13.1: only "true"
  CHECK_FALSE(d.base64);
  CHECK_FALSE(d.fields);
  CHECK(std::get<QueryOptions>(parse_query("/x?fields=*")).fields == all_fields());
  CHECK(std::get<QueryOptions>(parse_query("/x?fields=*,runbox_status")).fields->back() == "runbox_status");
  CHECK(std::get<QueryOptions>(parse_query("/x?fields=runbox_status")).fields == std::vector<std::string>{"runbox_status"});
  CHECK(std::get<std::string>(parse_query("/x?fields=stdout,nope,bad")) == "invalid fields: [nope, bad]");
  CHECK(std::get<QueryOptions>(parse_query("/x?tokens=a%2Cb,c")).tokens == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("judge0 request: required fields, unknown fields and types answer per field", "[judge0]") {
  auto e = errors_of(R"J({"stdn": "x", "cpu_time_limit": "fast", "number_of_runs": 21})J");
  CHECK(e["source_code"] == std::vector<std::string>{"can't be blank"});
  CHECK(e["language_id"] == std::vector<std::string>{"can't be blank"});
  CHECK(e["stdn"] == std::vector<std::string>{"is not a known field"});
  CHECK(e["cpu_time_limit"] == std::vector<std::string>{"is not a number"});
  CHECK(e["number_of_runs"] == std::vector<std::string>{"must be less than or equal to 20"});
  auto neg = errors_of(R"J({"source_code": "x", "language_id": 71, "wall_time_limit": -1, "max_processes_and_or_threads": 0})J");
  CHECK(neg["wall_time_limit"] == std::vector<std::string>{"must be greater than or equal to 0.0"});
  CHECK(neg["max_processes_and_or_threads"] == std::vector<std::string>{"must be greater than 0.0"});
  auto unsupported = errors_of(R"J({"source_code": "x", "language_id": 71, "enable_network": true, "stack_limit": 1000,
                                   "additional_files": "UEs=", "compiler_options": ")J" + std::string(513, 'x') + "\"}");
  CHECK(unsupported.count("enable_network"));
  CHECK(unsupported.count("stack_limit"));
  CHECK(unsupported.count("additional_files"));
  CHECK(unsupported["compiler_options"] == std::vector<std::string>{"is too long (maximum is 512 characters)"});
  CHECK(json::serialize(errors_json({{"language_id", {"can't be blank"}}})) == R"J({"language_id":["can't be blank"]})J");
  CHECK(errors_of("[1]").count("base"));
}

TEST_CASE("judge0 request: units, base64, strings for numbers, nulls as absent", "[judge0]") {
  auto s = valid(R"J({"source_code": "print(1)", "language_id": "71", "cpu_time_limit": 2.5, "wall_time_limit": "3",
                     "memory_limit": 128000, "max_processes_and_or_threads": 30, "max_file_size": 64, "stdin": null,
                     "enable_network": false, "redirect_stderr_to_stdout": true, "command_line_arguments": " a  b "})J");
  CHECK(s.language_id == 71);
  CHECK(s.limits.cpu_ms == 2500u);
  CHECK(s.limits.wall_ms == 3000u);
  CHECK(s.limits.memory_mb == 125u);  // 128000 KB, rounded up to whole MB
  CHECK(s.limits.pids == 30u);
  CHECK(s.limits.file_size_kb == 64u);
  CHECK(s.limits.output_kb == 64u);
  CHECK(s.redirect_stderr_to_stdout);
  auto run = to_run_request(s, "python3");
  CHECK(run.runtime == "python3");
  CHECK(run.args == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(run.tests);
  // base64_encoded=true: line breaks (Ruby's encode64) allowed, bad base64 refused per field
  auto b = valid(R"J({"source_code": "cHJp\nbnQoMSk=", "language_id": 71, "expected_output": "MQo=", "number_of_runs": 3})J", true);
  CHECK(b.source_code == "print(1)");
  CHECK(b.expected_output == "1\n");
  auto runs = to_run_request(b, "python3");
  REQUIRE(runs.tests);
  CHECK(runs.tests->size() == 3);
  CHECK(errors_of(R"J({"source_code": "***", "language_id": 71})J", true).count("source_code"));
}

TEST_CASE("judge0 request: callback_url only to the configured hosts", "[judge0]") {
  const std::string body = R"J({"source_code": "x", "language_id": 71, "callback_url": "http://127.0.0.1:9000/cb"})J";
  CHECK(errors_of(body)["callback_url"] == std::vector<std::string>{"callbacks are not enabled on this server"});
  CHECK(errors_of(body, false, {"localhost"}).count("callback_url"));
  CHECK(valid(body, false, {"127.0.0.1"}).callback_url == "http://127.0.0.1:9000/cb");
  auto u = parse_http_url("http://127.0.0.1:9000/cb?x=1");
  REQUIRE(u);
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == "9000");
  CHECK(u->target == "/cb?x=1");
  CHECK(parse_http_url("http://h")->port == "80");
  CHECK_FALSE(parse_http_url("https://h/"));
  CHECK_FALSE(parse_http_url("http://user@h/"));
  CHECK_FALSE(parse_http_url("http://:80/"));
}
