#include "api/run_request_checks.hpp"

#include "api/file_name.hpp"
#include "api/json_fields.hpp"

namespace runbox::api {

std::optional<std::string> args_count_problem(std::size_t count, std::string_view path) {
  if (count <= kMaxArgs) return std::nullopt;
  return std::string(path) + " has " + std::to_string(count) + " entries; at most " + std::to_string(kMaxArgs) +
         " are allowed";
}

std::optional<std::string> arg_problem(std::string_view arg, std::string_view item_path) {
  if (arg.find('\0') == std::string_view::npos) return std::nullopt;
  return std::string(item_path) + " must not contain NUL";
}

std::optional<ApiError> tests_count_problem(std::size_t count, std::size_t max_tests) {
  // An empty list would answer nothing at all: most likely a client bug, so say so.
  if (count == 0) return ApiError{400, "invalid_request", "tests must not be empty (leave it out to run the program once)"};
  if (count > max_tests)
    return ApiError{422, "limit_exceeds_policy",
                    "tests has " + std::to_string(count) + " entries, above the maximum " + std::to_string(max_tests) +
                        " the policy allows"};
  return std::nullopt;
}

std::optional<std::string> runtime_problem(std::string_view runtime) {
  if (runtime.empty()) return "runtime must not be empty";
  return std::nullopt;
}

std::optional<std::string> files_problem(const std::vector<SourceFile>& files, std::string_view where) {
  if (files.empty()) return std::string(where) + " must not be empty (the first file is the entry point)";
  std::vector<std::string> names;
  names.reserve(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (auto problem = file_name_problem(files[i].name))
      return json_fields::member_path(json_fields::element_path(where, i), "name") + " " + *problem;
    names.push_back(files[i].name);
  }
  return file_names_conflict(names);
}

std::optional<std::string> checker_name_problem(std::string_view name) {
  const std::string what = "compare.checker.name";
  if (name.empty()) return what + " must not be empty";
  if (name.size() > 64) return what + " must be at most 64 characters";
  if (name.front() == '.') return what + " must not start with '.'";
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) return what + " may hold only letters, digits, '_', '-' and '.'";
  }
  return std::nullopt;
}

std::optional<ApiError> check_run_request(const RunRequest& r, const ParseLimits& limits) {
  auto invalid = [](std::string message) { return ApiError{400, "invalid_request", std::move(message)}; };
  if (auto p = runtime_problem(r.runtime)) return invalid(*p);
  // One file without a name is the JSON API's "code" (the runtime's file name).
  const bool code = r.files.size() == 1 && r.files[0].name.empty();
  if (auto p = code ? std::nullopt : files_problem(r.files)) return invalid(*p);
  auto args = [&](const std::vector<std::string>& list, const std::string& path) -> std::optional<std::string> {
    if (auto p = args_count_problem(list.size(), path)) return p;
    for (std::size_t i = 0; i < list.size(); ++i)
      if (auto p = arg_problem(list[i], json_fields::element_path(path, i))) return p;
    return std::nullopt;
  };
  if (auto p = args(r.args, "args")) return invalid(*p);
  for (double t : {r.tolerance.abs, r.tolerance.rel})
    if (!(t >= 0 && t <= 1)) return invalid("compare.float tolerances must be numbers from 0 to 1");
  if (r.compare == Compare::checker) {
    if (!r.checker) return invalid("compare.checker is required");
    const CheckerRequest& c = *r.checker;
    if (!c.name.empty()) {
      if (!c.runtime.empty() || !c.files.empty()) return invalid("compare.checker: give either name, or runtime with files");
      if (auto p = checker_name_problem(c.name)) return invalid(*p);
    } else {
      if (auto p = runtime_problem(c.runtime)) return invalid("compare.checker." + *p);
      const bool one_unnamed = c.files.size() == 1 && c.files[0].name.empty();
      if (auto p = one_unnamed ? std::nullopt : files_problem(c.files, "compare.checker.files")) return invalid(*p);
    }
  }
  if (r.tests) {
    if (auto e = tests_count_problem(r.tests->size(), limits.max_tests)) return e;
    for (std::size_t i = 0; i < r.tests->size(); ++i)
      if (auto p = args((*r.tests)[i].args, json_fields::member_path(json_fields::element_path("tests", i), "args")))
        return invalid(*p);
  }
  return std::nullopt;
}

}  // namespace runbox::api
