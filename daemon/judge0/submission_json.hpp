#pragma once
// A submission as the store keeps it and as Judge0 answers with it. The stored document has
// Judge0's field names; its byte fields (source_code, stdin, expected_output, stdout, stderr,
// compile_output, message) are always base64 there, so any bytes survive; the answer decodes
// them unless base64_encoded=true, and picks the fields asked for.
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "judge0/judge0_request.hpp"
#include "judge0/judge0_status.hpp"
#include "judge0/languages.hpp"
#include "runbox/sandbox/limits.hpp"

namespace runbox::judge0 {

// The document of a new submission: its inputs, the limits it runs with (in Judge0's units),
// created_at; every result field null.
boost::json::object new_document(const Submission& s, const std::string& token, const Language& language,
                                 const std::string& language_name, const sandbox::Limits& limits);
// The verdict's fields and finished_at. redirect_stderr_to_stdout: stderr after stdout, in stdout.
void set_verdict(boost::json::object& doc, const Verdict& v, bool redirect_stderr_to_stdout);
// For a run that never finished (the daemon stopped): status 13 and why, in message.
void set_interrupted(boost::json::object& doc, const std::string& why);

// The answer's object: `fields` of doc (Judge0's order as asked), status from status_id.
// Without base64 a byte field that is not UTF-8 cannot be shown: the answer is then
// {"token", "error"} as Judge0's is.
boost::json::object render(const boost::json::object& doc, int status_id, const std::vector<std::string>& fields,
                           bool base64);

std::string new_token();  // a random UUID (version 4), as Judge0's tokens are
std::string iso_time_now();  // "2024-04-18T12:00:00.123Z"

}  // namespace runbox::judge0
