#include "api/parse_run_request.hpp"

#include <boost/json.hpp>

#include "api/base64.hpp"
#include "api/run_request_checks.hpp"
#include "api/json_value_count.hpp"
#include "api/json_fields.hpp"

namespace runbox::api {
namespace {

using boost::json::object;
using boost::json::value;
using namespace json_fields;

const value* field(const object& o, std::string_view key) {
  return o.if_contains(boost::json::string_view(key.data(), key.size()));
}

Encoding read_encoding(const value& v, std::string_view path) {
  const std::string_view name = as_string(v, path);
  if (name == "utf8") return Encoding::utf8;
  if (name == "base64") return Encoding::base64;
  refuse(std::string(path) + " must be \"utf8\" or \"base64\"");
}

// The bytes a string field stands for under `encoding`.
std::string read_data(const value& v, std::string_view path, Encoding encoding) {
  const std::string_view text = as_string(v, path);
  if (encoding == Encoding::utf8) return std::string(text);
  auto bytes = base64_decode(text);
  if (!bytes) refuse(std::string(path) + " is not valid base64 (RFC 4648, with padding)");
  return std::move(*bytes);
}

bool read_bool(const value& v, std::string_view path) {
  if (!v.is_bool()) refuse(std::string(path) + " must be true or false");
  return v.get_bool();
}

std::vector<std::string> read_args(const value& v, std::string_view path) {
  std::vector<std::string> args;
  const auto& array = as_array(v, path);
  if (auto problem = args_count_problem(array.size(), path)) refuse(*problem);
  args.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string item_path = element_path(path, i);
    const std::string_view arg = as_string(array[i], item_path);
    if (auto problem = arg_problem(arg, item_path)) refuse(*problem);
    args.emplace_back(arg);
  }
  return args;
}

config::LimitOverrides read_limits(const value& v, std::string_view path) {
  const auto& o = as_object(v, path);
  refuse_unknown(o, {"cpu_ms", "wall_ms", "memory_mb", "pids", "output_kb", "file_size_kb", "cpus"}, path);
  config::LimitOverrides limits;
  const auto read = [&](std::string_view key, std::optional<std::uint64_t>& into) {
    if (const value* x = field(o, key)) into = as_count(*x, member_path(path, key));
  };
  read("cpu_ms", limits.cpu_ms);
  read("wall_ms", limits.wall_ms);
  read("memory_mb", limits.memory_mb);
  read("pids", limits.pids);
  read("output_kb", limits.output_kb);
  read("file_size_kb", limits.file_size_kb);
  if (const value* x = field(o, "cpus")) limits.cpus_milli = as_cores_milli(*x, member_path(path, "cpus"));
  return limits;
}

std::vector<SourceFile> read_files(const value& v, std::string_view where = "files") {
  const auto& array = as_array(v, where);
  std::vector<SourceFile> files;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string path = element_path(where, i);
    const auto& o = as_object(array[i], path);
    refuse_unknown(o, {"name", "content", "encoding"}, path);
    const value* name = field(o, "name");
    const value* content = field(o, "content");
    if (!name) refuse(member_path(path, "name") + " is required");
    if (!content) refuse(member_path(path, "content") + " is required");
    SourceFile file;
    file.name = std::string(as_string(*name, member_path(path, "name")));
    const value* encoding = field(o, "encoding");
    const Encoding file_encoding =
        encoding ? read_encoding(*encoding, member_path(path, "encoding")) : Encoding::utf8;
    file.content = read_data(*content, member_path(path, "content"), file_encoding);
    files.push_back(std::move(file));
  }
  if (const auto problem = files_problem(files, where)) refuse(*problem);
  return files;
}

std::vector<TestCase> read_tests(const value& v, Encoding encoding, std::size_t max_tests) {
  const auto& array = as_array(v, "tests");
  // Counted before any entry is read.
  if (auto error = tests_count_problem(array.size(), max_tests)) throw Fault{std::move(*error)};
  std::vector<TestCase> tests;
  tests.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string path = element_path("tests", i);
    const auto& o = as_object(array[i], path);
    refuse_unknown(o, {"stdin", "expected_stdout", "args", "hidden"}, path);
    TestCase test;
    const value* expected = field(o, "expected_stdout");
    if (!expected) refuse(member_path(path, "expected_stdout") + " is required");
    test.expected_stdout = read_data(*expected, member_path(path, "expected_stdout"), encoding);
    if (const value* x = field(o, "stdin"))
      test.stdin_data = read_data(*x, member_path(path, "stdin"), encoding);
    if (const value* x = field(o, "args")) test.args = read_args(*x, member_path(path, "args"));
    if (const value* x = field(o, "hidden")) test.hidden = read_bool(*x, member_path(path, "hidden"));
    tests.push_back(std::move(test));
  }
  return tests;
}

// A tolerance: a JSON number from 0 to 1 (an integer 0 or 1 too).
double read_tolerance(const value& v, std::string_view path) {
  double d = -1;
  if (v.is_double()) d = v.get_double();
  else if (v.is_int64()) d = static_cast<double>(v.get_int64());
  else if (v.is_uint64()) d = static_cast<double>(v.get_uint64());
  if (!(d >= 0 && d <= 1)) refuse(std::string(path) + " must be a number from 0 to 1");
  return d;
}

FloatTolerance read_float_tolerance(const value& v) {
  const auto& o = as_object(v, "compare.float");
  refuse_unknown(o, {"abs", "rel"}, "compare.float");
  FloatTolerance t;
  if (const value* x = field(o, "abs")) t.abs = read_tolerance(*x, "compare.float.abs");
  if (const value* x = field(o, "rel")) t.rel = read_tolerance(*x, "compare.float.rel");
  return t;
}

// {"name": "<checker in the policy's checkers_dir>"} or {"runtime", "code" | "files"}.
CheckerRequest read_checker(const value& v) {
  const auto& o = as_object(v, "compare.checker");
  refuse_unknown(o, {"name", "runtime", "code", "files"}, "compare.checker");
  CheckerRequest c;
  const value* name = field(o, "name");
  const value* runtime = field(o, "runtime");
  const value* code = field(o, "code");
  const value* files = field(o, "files");
  if (name) {
    if (runtime || code || files) refuse("compare.checker: give either name, or runtime with code or files");
    c.name = std::string(as_string(*name, "compare.checker.name"));
    if (auto problem = checker_name_problem(c.name)) refuse(*problem);
    return c;
  }
  if (!runtime) refuse("compare.checker.runtime (or compare.checker.name) is required");
  c.runtime = std::string(as_string(*runtime, "compare.checker.runtime"));
  if (auto problem = runtime_problem(c.runtime)) refuse("compare.checker." + *problem);
  if (code && files) refuse("compare.checker: give either code or files, not both");
  if (!code && !files) refuse("compare.checker.code or compare.checker.files is required");
  if (code) c.files.push_back(SourceFile{"", std::string(as_string(*code, "compare.checker.code"))});
  else c.files = read_files(*files, "compare.checker.files");
  return c;
}

// "exact" | "trim" | "tokens" | "float" | "lines_unordered", or an object with one member:
// {"float": {"abs", "rel"}} or {"checker": {...}}.
void read_compare(const value& v, RunRequest& request) {
  if (v.is_object()) {
    const auto& o = v.get_object();
    refuse_unknown(o, {"float", "checker"}, "compare");
    if (o.size() != 1) refuse("compare must have exactly one member: float or checker");
    if (const value* x = field(o, "float")) {
      request.compare = Compare::float_tokens;
      request.tolerance = read_float_tolerance(*x);
    } else {
      request.compare = Compare::checker;
      request.checker = read_checker(*field(o, "checker"));
    }
    return;
  }
  if (!v.is_string())
    refuse("compare must be \"exact\", \"trim\", \"tokens\", \"float\", \"lines_unordered\" or an object ({\"float\": ...} or {\"checker\": ...})");
  const std::string_view name = v.get_string();
  if (name == "exact") request.compare = Compare::exact;
  else if (name == "trim") request.compare = Compare::trim;
  else if (name == "tokens") request.compare = Compare::tokens;
  else if (name == "float") request.compare = Compare::float_tokens;
  else if (name == "lines_unordered") request.compare = Compare::lines_unordered;
  else refuse("compare must be \"exact\", \"trim\", \"tokens\", \"float\", \"lines_unordered\" or an object ({\"float\": ...} or {\"checker\": ...})");
}

RunRequest read_request(const value& body, const ParseLimits& limits) {
  if (!body.is_object()) refuse("the body must be a JSON object");
  const object& o = body.get_object();
  // Unknown fields first: a typo must never pass silently, whatever else is wrong.
  refuse_unknown(o,
                 {"runtime", "code", "files", "stdin", "args", "encoding", "limits",
                  "compile_limits", "tests", "compare", "strip_control"},
                 "");
  RunRequest request;

  const value* runtime = field(o, "runtime");
  if (!runtime) refuse("runtime is required");
  request.runtime = std::string(as_string(*runtime, "runtime"));
  if (auto problem = runtime_problem(request.runtime)) refuse(*problem);

  if (const value* x = field(o, "encoding")) request.encoding = read_encoding(*x, "encoding");

  const value* code = field(o, "code");
  const value* files = field(o, "files");
  if (code && files) refuse("give either code or files, not both");
  if (!code && !files) refuse("code or files is required");
  if (code)
    request.files.push_back(SourceFile{"", std::string(as_string(*code, "code"))});
  else
    request.files = read_files(*files);

  if (const value* x = field(o, "stdin"))
    request.stdin_data = read_data(*x, "stdin", request.encoding);
  if (const value* x = field(o, "args")) request.args = read_args(*x, "args");
  if (const value* x = field(o, "limits")) request.limits = read_limits(*x, "limits");
  if (const value* x = field(o, "compile_limits"))
    request.compile_limits = read_limits(*x, "compile_limits");
  if (const value* x = field(o, "tests")) request.tests = read_tests(*x, request.encoding, limits.max_tests);
  // Without tests, compare has nothing to do; it is still checked, and then ignored.
  if (const value* x = field(o, "compare")) read_compare(*x, request);
  if (const value* x = field(o, "strip_control")) request.strip_control = read_bool(*x, "strip_control");
  return request;
}

}  // namespace

std::variant<RunRequest, ApiError> parse_run_request(std::string_view body,
                                                     const ParseLimits& limits) {
  if (!json_values_at_most(body, limits.max_values, limits.max_depth))
    return ApiError{400, "invalid_request",
                    "the body holds more than " + std::to_string(limits.max_values) + " JSON values"};
  boost::json::parse_options options;  // strict JSON: no comments, NaN or invalid UTF-8
  options.max_depth = limits.max_depth;
  boost::json::error_code ec;
  const value doc =
      boost::json::parse(boost::json::string_view(body.data(), body.size()), ec, {}, options);
  if (ec) return ApiError{400, "invalid_json", "the body is not valid JSON: " + ec.message()};
  try {
    return read_request(doc, limits);
  } catch (const Fault& fault) {
    return fault.error;
  }
}

}  // namespace runbox::api
