#include "judge0/judge0_request.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>

#include "api/base64.hpp"
#include "api/split_words.hpp"

namespace runbox::judge0 {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxOptionLength = 512;  // compiler_options, command_line_arguments
constexpr unsigned kMaxRuns = 20;

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc{} && p == s.data() + i + 3 && std::isxdigit(static_cast<unsigned char>(s[i + 1]))) {
        out += static_cast<char>(v);
        i += 2;
      } else {
        out += '%';
      }
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos <= s.size();) {
    std::size_t end = s.find(sep, pos);
    if (end == std::string_view::npos) end = s.size();
    std::string item(s.substr(pos, end - pos));
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(std::move(item));
    pos = end + 1;
  }
  return out;
}

// A JSON number, or a string holding one (Rails casts "2.5" as it casts 2.5).
std::optional<double> number_of(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  if (v.is_string()) {
    const auto& s = v.get_string();
    double d = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec == std::errc{} && p == s.data() + s.size() && !s.empty() && std::isfinite(d)) return d;
  }
  return std::nullopt;
}

std::optional<bool> bool_of(const json::value& v) {
  if (v.is_bool()) return v.get_bool();
  if (v.is_string()) {
    if (v.get_string() == "true" || v.get_string() == "1") return true;
    if (v.get_string() == "false" || v.get_string() == "0") return false;
  }
  return std::nullopt;
}

std::string format_number(double d) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, p);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

// Judge0 fields runbox takes, and those it knows but cannot honour unless left at "off".
const std::vector<std::string_view> kAccepted = {
    "source_code",     "language_id",       "stdin",        "expected_output", "cpu_time_limit",
    "cpu_extra_time",  "wall_time_limit",   "memory_limit", "max_processes_and_or_threads",
    "max_file_size",   "number_of_runs",    "compiler_options", "command_line_arguments",
    "redirect_stderr_to_stdout", "callback_url", "stack_limit", "enable_per_process_and_thread_time_limit",
    "enable_per_process_and_thread_memory_limit", "additional_files", "enable_network"};

}  // namespace

json::object errors_json(const FieldErrors& e) {
  json::object o;
  for (const auto& [field, messages] : e) {
    json::array a;
    for (const auto& m : messages) a.emplace_back(m);
    o[field] = std::move(a);
  }
  return o;
}

const std::vector<std::string>& all_fields() {
  static const std::vector<std::string> f = {
      "token", "source_code", "language_id", "stdin", "expected_output", "stdout", "status_id", "created_at",
      "finished_at", "time", "memory", "stderr", "number_of_runs", "cpu_time_limit", "cpu_extra_time",
      "wall_time_limit", "memory_limit", "stack_limit", "max_processes_and_or_threads",
      "enable_per_process_and_thread_time_limit", "enable_per_process_and_thread_memory_limit", "max_file_size",
      "compile_output", "exit_code", "exit_signal", "message", "wall_time", "compiler_options",
      "command_line_arguments", "redirect_stderr_to_stdout", "callback_url", "additional_files", "enable_network",
      "status", "language"};
  return f;
}

const std::vector<std::string>& default_fields() {
  static const std::vector<std::string> f = {"token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status"};
  return f;
}

std::variant<QueryOptions, std::string> parse_query(std::string_view target) {
  QueryOptions q;
  const std::size_t mark = target.find('?');
  if (mark == std::string_view::npos) return q;
  for (const auto& pair : split(target.substr(mark + 1), '&')) {
    const std::size_t eq = pair.find('=');
    const std::string name = url_decode(pair.substr(0, eq));
    const std::string value = eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1));
    if (name == "base64_encoded") q.base64 = value == "true";
    else if (name == "wait") q.wait = value == "true";
    else if (name == "tokens") q.tokens = split(value, ',');
    else if (name == "fields") {
      // "*" is every Judge0 field; runbox_status comes only by name ("*,runbox_status").
      std::vector<std::string> fields, invalid;
      for (const auto& f : split(value, ',')) {
        if (f == "*") fields.insert(fields.end(), all_fields().begin(), all_fields().end());
        else if (f == "runbox_status" || std::find(all_fields().begin(), all_fields().end(), f) != all_fields().end())
          fields.push_back(f);
        else invalid.push_back(f);
      }
      if (!invalid.empty()) {
        std::string list;
        for (const auto& f : invalid) list += (list.empty() ? "" : ", ") + f;
        return "invalid fields: [" + list + "]";
      }
      if (!fields.empty()) q.fields = std::move(fields);
    }
  }
  return q;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view w : api::split_words(text)) out.emplace_back(w);
  return out;
}

std::variant<Submission, FieldErrors> parse_submission(const json::value& body, bool base64,
                                                       const std::vector<std::string>& callback_hosts) {
  FieldErrors errors;
  Submission s;
  if (!body.is_object()) return FieldErrors{{"base", {"the submission must be a JSON object"}}};
  const json::object& o = body.get_object();
  for (const auto& member : o)
    if (std::find(kAccepted.begin(), kAccepted.end(), std::string_view(member.key())) == kAccepted.end())
      errors[std::string(member.key())].push_back("is not a known field");
  auto given = [&](std::string_view key) -> const json::value* {
    auto it = o.find(key);
    return it == o.end() || it->value().is_null() ? nullptr : &it->value();
  };
  auto text = [&](std::string_view key, bool decode) -> std::optional<std::string> {
    const json::value* v = given(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
      errors[std::string(key)].push_back("must be a string");
      return std::nullopt;
    }
    std::string raw(v->get_string());
    if (!decode) return raw;
    // Ruby's Base64.encode64 breaks lines every 60 characters: line breaks are not data.
    raw.erase(std::remove_if(raw.begin(), raw.end(), [](char c) { return c == '\n' || c == '\r'; }), raw.end());
    auto bytes = api::base64_decode(raw);
    if (!bytes) errors[std::string(key)].push_back("is not valid base64 (base64_encoded=true)");
    return bytes;
  };
  auto number = [&](std::string_view key, double min, bool min_exclusive) -> std::optional<double> {
    const json::value* v = given(key);
    if (!v) return std::nullopt;
    auto d = number_of(*v);
    if (!d) errors[std::string(key)].push_back("is not a number");
    else if (min_exclusive ? *d <= min : *d < min)
      errors[std::string(key)].push_back(std::string(min_exclusive ? "must be greater than " : "must be greater than or equal to ") +
                                         format_number(min));
    else return d;
    return std::nullopt;
  };
  auto flag = [&](std::string_view key) -> std::optional<bool> {
    const json::value* v = given(key);
    if (!v) return std::nullopt;
    auto b = bool_of(*v);
    if (!b) errors[std::string(key)].push_back("must be true or false");
    return b;
  };

  if (auto code = text("source_code", base64)) s.source_code = std::move(*code);
  else if (!given("source_code")) errors["source_code"].push_back("can't be blank");
  if (const json::value* v = given("language_id")) {
    auto d = number_of(*v);
    if (!d || *d != std::floor(*d) || std::fabs(*d) > 1e9) errors["language_id"].push_back("is not a number");
    else s.language_id = static_cast<int>(*d);
  } else {
    errors["language_id"].push_back("can't be blank");
  }
  if (auto in = text("stdin", base64)) s.stdin_data = std::move(*in);
  s.expected_output = text("expected_output", base64);
  // Seconds and KB become runbox's ms and MB (rounded up: never less than asked for); the
  // policy then says whether they are allowed (judge0_limits).
  auto ms = [](double seconds) { return static_cast<std::uint64_t>(std::llround(std::min(seconds, 1e9) * 1000)); };
  if (auto t = number("cpu_time_limit", 0, false)) s.limits.cpu_ms = ms(*t);
  if (auto t = number("wall_time_limit", 0, false)) s.limits.wall_ms = ms(*t);
  if (auto kb = number("memory_limit", 0, false))
    s.limits.memory_mb = static_cast<std::uint64_t>(std::ceil(std::min(*kb, 1e15) / 1024));
  if (auto n = number("max_processes_and_or_threads", 0, true)) s.limits.pids = static_cast<std::uint64_t>(std::min(*n, 1e15));
  if (auto kb = number("max_file_size", 0, false)) {
    // Judge0's stdout is a file under this limit too: runbox's output limit follows it.
    s.limits.file_size_kb = s.limits.output_kb = static_cast<std::uint64_t>(std::ceil(std::min(*kb, 1e15)));
  }
  if (auto t = number("cpu_extra_time", 0, false)) s.cpu_extra_time = t;
  if (auto n = number("number_of_runs", 0, true)) {
    if (*n > kMaxRuns) errors["number_of_runs"].push_back("must be less than or equal to " + std::to_string(kMaxRuns));
    else s.number_of_runs = static_cast<unsigned>(std::ceil(*n));
  }
  for (auto [key, out] : {std::pair{"compiler_options", &s.compiler_options},
                          std::pair{"command_line_arguments", &s.command_line_arguments}})
    if (auto t = text(key, false)) {
      if (t->size() > kMaxOptionLength)
        errors[key].push_back("is too long (maximum is " + std::to_string(kMaxOptionLength) + " characters)");
      *out = std::move(*t);
    }
  if (auto b = flag("redirect_stderr_to_stdout")) s.redirect_stderr_to_stdout = *b;
  if (auto url = text("callback_url", false)) {
    auto parsed = parse_http_url(*url);
    if (!parsed) errors["callback_url"].push_back("is not a valid http:// URL");
    else if (std::find(callback_hosts.begin(), callback_hosts.end(), parsed->host) == callback_hosts.end())
      errors["callback_url"].push_back(callback_hosts.empty() ? "callbacks are not enabled on this server"
                                                              : "host " + parsed->host + " is not allowed for callbacks");
    else s.callback_url = std::move(*url);
  }
  // Known to Judge0, not to runbox's sandbox: refused unless they ask for nothing.
  if (given("stack_limit")) errors["stack_limit"].push_back("is not supported (runbox's policy sets the stack size)");
  for (const char* key : {"enable_per_process_and_thread_time_limit", "enable_per_process_and_thread_memory_limit"})
    if (flag(key).value_or(false)) errors[key].push_back("is not supported (runbox limits the whole run)");
  if (flag("enable_network").value_or(false)) errors["enable_network"].push_back("is not supported (runs have no network)");
  if (given("additional_files")) errors["additional_files"].push_back("is not supported");
  if (!errors.empty()) return errors;
  return s;
}

api::RunRequest to_run_request(const Submission& s, const std::string& runtime) {
  api::RunRequest r;
  r.runtime = runtime;
  r.files.push_back({"", s.source_code});
  r.stdin_data = s.stdin_data;
  r.args = split_words(s.command_line_arguments);
  r.limits = s.limits;
  if (s.number_of_runs > 1) {
    r.tests.emplace();
    for (unsigned i = 0; i < s.number_of_runs; ++i) r.tests->push_back({s.stdin_data, "", r.args});
    r.compare = api::Compare::exact;  // unused: the facade judges expected_output itself
  }
  return r;
}

std::variant<sandbox::Limits, FieldErrors> judge0_limits(const config::Policy& policy, const config::RuntimeDef& runtime,
                                                         const config::LimitOverrides& limits) {
  auto result = config::effective_limits(policy, runtime, config::StageKind::run, limits);
  if (auto* l = std::get_if<sandbox::Limits>(&result)) return *l;
  const auto& refusal = std::get<config::LimitRefusal>(result);
  // runbox's field and unit → Judge0's.
  struct Name {
    const char* runbox;
    const char* judge0;
    double per_unit;  // Judge0's unit per runbox's
  };
  static constexpr Name names[] = {{"limits.cpu_ms", "cpu_time_limit", 0.001},
                                   {"limits.wall_ms", "wall_time_limit", 0.001},
                                   {"limits.memory_mb", "memory_limit", 1024},
                                   {"limits.pids", "max_processes_and_or_threads", 1},
                                   {"limits.output_kb", "max_file_size", 1},
                                   {"limits.file_size_kb", "max_file_size", 1}};
  for (const auto& n : names)
    if (refusal.field == n.runbox) {
      if (refusal.kind == config::LimitRefusal::Kind::below_minimum) {
        const double min = n.per_unit;  // every integer limit's minimum is 1 runbox unit
        return FieldErrors{{n.judge0, {"must be greater than or equal to " + format_number(min)}}};
      }
      const double max = static_cast<double>(refusal.maximum) * n.per_unit;
      return FieldErrors{{n.judge0, {"must be less than or equal to " + format_number(max) + " (runbox's policy for " +
                                     runtime.name + ")"}}};
    }
  return FieldErrors{{"base", {refusal.message}}};
}

std::optional<HttpUrl> parse_http_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) return std::nullopt;
  std::string_view rest = url.substr(scheme.size());
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  HttpUrl u;
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no credentials in URLs
  const std::size_t colon = authority.rfind(':');
  u.host = std::string(authority.substr(0, colon));
  u.port = colon == std::string_view::npos ? "80" : std::string(authority.substr(colon + 1));
  if (u.host.empty() || u.port.empty() || u.port.size() > 5 ||
      !std::all_of(u.port.begin(), u.port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      u.target.find_first_of(" \r\n") != std::string::npos || u.host.find_first_of(" \r\n[]") != std::string::npos)
    return std::nullopt;
  return u;
}

}  // namespace runbox::judge0
