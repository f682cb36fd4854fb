#pragma once
// Building /v1/run requests, sending them (one at a time or several at once), and checking the
// shapes of answers. Catch assertions are made from the test thread only.
#include <boost/json.hpp>
#include <functional>
#include <string>
#include <vector>

#include "http_client.hpp"

namespace runbox::test {

namespace json = boost::json;

// {"runtime": runtime, "code": code}
json::object run_body(const std::string& runtime, const std::string& code);

struct RunReply {
  HttpResponse http;
  json::value body;         // null when the body is not JSON
  std::string transport_error;  // set when the request itself failed (connection, timeout)
  const json::object& obj() const;  // throws when the body is not an object
  std::string describe() const;     // status + body, for failure messages
};

RunReply post_run(std::uint16_t port, const json::value& body);
RunReply post_raw(std::uint16_t port, const std::string& body);

// Sends every body, `parallel` requests at a time (each on its own connection); answers in order.
std::vector<RunReply> post_runs(std::uint16_t port, const std::vector<json::value>& bodies, unsigned parallel);

// CHECKs that v is a Stage: every field there with its type.
void check_stage_shape(const json::value& v);
// CHECKs {"error":{"code":code,"message":non-empty}}, the status and Content-Type application/json.
void check_error(const RunReply& r, int status, const std::string& code);

// The sum of every sample of a Prometheus counter (all label sets) in /metrics text.
double metric_sum(const std::string& metrics_text, const std::string& name);

std::string as_str(const json::value& v);  // the string, or "<json>" serialised if not a string

}  // namespace runbox::test
