#include "api_helpers.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <sstream>
#include <thread>

namespace runbox::test {

json::object run_body(const std::string& runtime, const std::string& code) {
  json::object o;
  o["runtime"] = runtime;
  o["code"] = code;
  return o;
}

const json::object& RunReply::obj() const {
  if (!body.is_object()) throw std::runtime_error("not a JSON object: " + describe());
  return body.get_object();
}

std::string RunReply::describe() const {
  if (!transport_error.empty()) return "request failed: " + transport_error;
  std::string b = http.body.size() > 4000 ? http.body.substr(0, 4000) + "...(" + std::to_string(http.body.size()) + " bytes)"
                                          : http.body;
  return "HTTP " + std::to_string(http.status) + " " + b;
}

RunReply post_raw(std::uint16_t port, const std::string& body) {
  RunReply r;
  try {
    r.http = http_post_json(port, "/v1/run", body);
    boost::system::error_code ec;
    r.body = json::parse(r.http.body, ec);
    if (ec) r.body = nullptr;
  } catch (const std::exception& e) {
    r.transport_error = e.what();
  }
  return r;
}

RunReply post_run(std::uint16_t port, const json::value& body) { return post_raw(port, json::serialize(body)); }

std::vector<RunReply> post_runs(std::uint16_t port, const std::vector<json::value>& bodies, unsigned parallel) {
  std::vector<RunReply> out(bodies.size());
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < std::max(1u, parallel); ++w)
    workers.emplace_back([&] {
      for (std::size_t i; (i = next++) < bodies.size();) out[i] = post_run(port, bodies[i]);
    });
  for (auto& t : workers) t.join();
  return out;
}

void check_stage_shape(const json::value& v) {
  INFO("stage: " << json::serialize(v));
  REQUIRE(v.is_object());
  const auto& o = v.get_object();
  static const char* statuses[] = {"ok", "runtime_error", "time_limit", "wall_time_limit", "memory_limit",
                                   "output_limit", "compile_error", "internal_error"};
  REQUIRE(o.contains("status"));
  REQUIRE(o.at("status").is_string());
  bool known = false;
  for (const char* s : statuses) known |= o.at("status").get_string() == s;
  CHECK(known);
  CHECK(o.contains("exit_code"));
  if (o.contains("exit_code")) CHECK((o.at("exit_code").is_int64() || o.at("exit_code").is_null()));
  CHECK(o.contains("signal"));
  if (o.contains("signal")) CHECK((o.at("signal").is_string() || o.at("signal").is_null()));
  // A hidden judge test carries no output at all; every other stage all three.
  const bool hidden = o.contains("hidden") && o.at("hidden").is_bool() && o.at("hidden").get_bool();
  for (const char* k : {"stdout", "stderr", "output"}) {
    CHECK(o.contains(k) != hidden);
    if (o.contains(k)) CHECK(o.at(k).is_string());
  }
  for (const char* k : {"stdout_truncated", "stderr_truncated"}) {
    CHECK(o.contains(k));
    if (o.contains(k)) CHECK(o.at(k).is_bool());
  }
  for (const char* k : {"cpu_ms", "wall_ms", "memory_kb"}) {
    CHECK(o.contains(k));
    if (o.contains(k)) CHECK((o.at(k).is_int64() || o.at(k).is_uint64()));
  }
  // Exactly one of exit_code and signal (a stage that never started has neither).
  if (o.contains("exit_code") && o.contains("signal") && o.at("status") != "internal_error")
    CHECK(o.at("exit_code").is_null() != o.at("signal").is_null());
}

void check_error(const RunReply& r, int status, const std::string& code) {
  INFO(r.describe());
  REQUIRE(r.transport_error.empty());
  CHECK(r.http.status == status);
  CHECK(r.http.header("content-type") == "application/json");
  REQUIRE(r.body.is_object());
  const auto& o = r.body.get_object();
  CHECK(o.size() == 1);
  REQUIRE(o.contains("error"));
  REQUIRE(o.at("error").is_object());
  const auto& e = o.at("error").get_object();
  CHECK(e.size() == 2);
  REQUIRE(e.contains("code"));
  CHECK(e.at("code") == json::value(code));
  REQUIRE(e.contains("message"));
  REQUIRE(e.at("message").is_string());
  CHECK_FALSE(e.at("message").get_string().empty());
}

double metric_sum(const std::string& metrics_text, const std::string& name) {
  double sum = 0;
  std::istringstream in(metrics_text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind(name, 0) != 0) continue;
    const char after = line.size() > name.size() ? line[name.size()] : '\0';
    if (after != '{' && after != ' ') continue;
    const auto space = line.rfind(' ');
    sum += std::stod(line.substr(space + 1));
  }
  return sum;
}

std::string as_str(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return "<" + json::serialize(v) + ">";
}

}  // namespace runbox::test
