#pragma once
// Judge0's request vocabulary → runbox's: the query options (base64_encoded, wait, fields), a
// POST /submissions body validated field by field (422 with Judge0's {"field": ["message"]}),
// and the api::RunRequest it becomes. Limits are converted (seconds → ms, KB → MB) and left to
// the policy (judge0_limits); nothing here plans or runs.
#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/run_request.hpp"
#include "config/effective_limits.hpp"

namespace runbox::judge0 {

// Judge0's model errors: field → messages ({"language_id": ["can't be blank"]}).
using FieldErrors = std::map<std::string, std::vector<std::string>>;
boost::json::object errors_json(const FieldErrors& e);

struct QueryOptions {
  bool base64 = false;  // v1.13.1: only base64_encoded=true turns it on
  bool wait = false;
  std::optional<std::vector<std::string>> fields;  // nullopt: the default fields; "*" expanded
  std::vector<std::string> tokens;                 // GET /submissions/batch?tokens=a,b
};
// The query's options, or the 400 message ("invalid fields: [foo]").
std::variant<QueryOptions, std::string> parse_query(std::string_view target);

// Every field a submission has ("*"), runbox's runbox_status aside (only when named).
const std::vector<std::string>& all_fields();
const std::vector<std::string>& default_fields();  // token time memory stdout stderr compile_output message status

struct Submission {
  std::string source_code;  // decoded bytes
  int language_id = 0;
  std::string stdin_data;
  std::optional<std::string> expected_output;
  config::LimitOverrides limits;  // what the body asked for, in runbox's units
  std::optional<double> cpu_extra_time;  // accepted, not applied (docs/compat.md)
  unsigned number_of_runs = 1;
  std::string compiler_options;
  std::string command_line_arguments;
  bool redirect_stderr_to_stdout = false;
  std::optional<std::string> callback_url;
};

// A body of POST /submissions (or one item of a batch). base64: source_code, stdin and
// expected_output are base64. callback_hosts: the hosts callback_url may name (none: no
// callbacks). Language ids are checked by the facade (it knows the runtimes).
std::variant<Submission, FieldErrors> parse_submission(const boost::json::value& body, bool base64,
                                                       const std::vector<std::string>& callback_hosts);

// The submission as a run of `runtime`: the source under the runtime's file name, stdin,
// command_line_arguments split on whitespace (no shell), number_of_runs > 1 as that many
// judge tests of the same input.
api::RunRequest to_run_request(const Submission& s, const std::string& runtime);

// compiler_options split on whitespace, to append to the compile command.
std::vector<std::string> split_words(std::string_view text);

// The policy's verdict on the submission's limits as Judge0 words it: the effective run limits,
// or the field Judge0 names ("cpu_time_limit": ["must be less than or equal to 15.0"]).
std::variant<sandbox::Limits, FieldErrors> judge0_limits(const config::Policy& policy, const config::RuntimeDef& runtime,
                                                         const config::LimitOverrides& limits);

// "http://127.0.0.1:8000/path" split; nullopt when it is not an http URL with a host.
struct HttpUrl {
  std::string host, port, target;
};
std::optional<HttpUrl> parse_http_url(std::string_view url);

}  // namespace runbox::judge0
