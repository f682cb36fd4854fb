#include "judge0/submission_json.hpp"

#include <sys/random.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "api/base64.hpp"
#include "api/utf8_replace.hpp"

namespace runbox::judge0 {
namespace {

namespace json = boost::json;

constexpr const char* kByteFields[] = {"source_code", "stdin", "expected_output", "stdout", "stderr", "compile_output", "message"};

bool is_byte_field(std::string_view f) {
  return std::find(std::begin(kByteFields), std::end(kByteFields), f) != std::end(kByteFields);
}

json::value bytes(const std::optional<std::string>& s) { return s ? json::value(api::base64_encode(*s)) : json::value(nullptr); }

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto piece = api::next_utf8_piece(s, i);
    if (!piece.valid) return false;
    i += piece.length;
  }
  return true;
}

// Judge0's decimal columns serialize as strings: "0.014".
json::value seconds(const std::optional<double>& s) {
  if (!s) return nullptr;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", *s);
  return json::value(buf);
}

// Judge0's limits in seconds are decimal columns too: "5.0", "2.5".
json::value decimal(double d) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, p);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return json::value(s);
}

json::value optional_int(const std::optional<int>& v) { return v ? json::value(*v) : json::value(nullptr); }

}  // namespace

std::string new_token() {
  unsigned char b[16];
  if (::getrandom(b, sizeof b, 0) != static_cast<ssize_t>(sizeof b)) throw std::runtime_error("getrandom");
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static const char* hex = "0123456789abcdef";
  std::string t;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) t += '-';
    t += {hex[b[i] >> 4], hex[b[i] & 15]};
  }
  return t;
}

std::string iso_time_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

json::object new_document(const Submission& s, const std::string& token, const Language& language,
                          const std::string& language_name, const sandbox::Limits& limits) {
  json::object d;
  d["token"] = token;
  d["source_code"] = api::base64_encode(s.source_code);
  d["language_id"] = language.id;
  d["language"] = json::object{{"id", language.id}, {"name", language_name}};
  d["stdin"] = api::base64_encode(s.stdin_data);
  d["expected_output"] = bytes(s.expected_output);
  d["created_at"] = iso_time_now();
  d["number_of_runs"] = s.number_of_runs;
  d["cpu_time_limit"] = decimal(static_cast<double>(limits.cpu_ms) / 1000);
  d["cpu_extra_time"] = decimal(s.cpu_extra_time.value_or(0));
  d["wall_time_limit"] = decimal(static_cast<double>(limits.wall_ms) / 1000);
  d["memory_limit"] = limits.memory_mb * 1024;
  d["stack_limit"] = limits.stack_mb * 1024;
  d["max_processes_and_or_threads"] = limits.pids;
  d["enable_per_process_and_thread_time_limit"] = false;
  d["enable_per_process_and_thread_memory_limit"] = false;
  d["max_file_size"] = limits.file_size_kb;
  d["compiler_options"] = s.compiler_options.empty() ? json::value(nullptr) : json::value(s.compiler_options);
  d["command_line_arguments"] =
      s.command_line_arguments.empty() ? json::value(nullptr) : json::value(s.command_line_arguments);
  d["redirect_stderr_to_stdout"] = s.redirect_stderr_to_stdout;
  d["callback_url"] = s.callback_url ? json::value(*s.callback_url) : json::value(nullptr);
  d["additional_files"] = nullptr;
  d["enable_network"] = false;
  for (const char* f : {"stdout", "stderr", "compile_output", "message", "time", "wall_time", "memory", "exit_code",
                        "exit_signal", "finished_at", "runbox_status"})
    d[f] = nullptr;
  return d;
}

void set_verdict(json::object& d, const Verdict& v, bool redirect) {
  std::optional<std::string> out = v.stdout_data, err = v.stderr_data;
  if (redirect && err) {
    out = out.value_or("") + *err;
    err.reset();
  }
  d["stdout"] = bytes(out);
  d["stderr"] = bytes(err);
  d["compile_output"] = bytes(v.compile_output);
  d["message"] = bytes(v.message);
  d["time"] = seconds(v.time_s);
  d["wall_time"] = seconds(v.wall_time_s);
  d["memory"] = v.memory_kb ? json::value(*v.memory_kb) : json::value(nullptr);
  d["exit_code"] = optional_int(v.exit_code);
  d["exit_signal"] = optional_int(v.exit_signal);
  d["finished_at"] = iso_time_now();
  d["runbox_status"] = v.runbox_status.empty() ? json::value(nullptr) : json::value(v.runbox_status);
}

void set_interrupted(json::object& d, const std::string& why) {
  d["message"] = api::base64_encode(why);
  d["finished_at"] = iso_time_now();
  d["runbox_status"] = "internal_error";
}

json::object render(const json::object& doc, int status_id, const std::vector<std::string>& fields, bool base64) {
  json::object out;
  bool unconvertible = false;
  for (const auto& f : fields) {
    if (f == "status") {
      out[f] = json::object{{"id", status_id}, {"description", status_description(status_id)}};
      continue;
    }
    if (f == "status_id") {
      out[f] = status_id;
      continue;
    }
    auto it = doc.find(f);
    json::value v = it == doc.end() ? json::value(nullptr) : it->value();
    if (is_byte_field(f) && v.is_string() && !base64) {
      auto decoded = api::base64_decode(v.get_string());
      if (!decoded || !valid_utf8(*decoded)) {
        unconvertible = true;
        v = nullptr;
      } else {
        v = json::value(*decoded);
      }
    }
    out[f] = std::move(v);
  }
  if (unconvertible) {
    auto token = doc.find("token");
    return json::object{{"token", token == doc.end() ? json::value(nullptr) : token->value()},
                        {"error",
                         "some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true "
                         "query parameter"}};
  }
  return out;
}

}  // namespace runbox::judge0
