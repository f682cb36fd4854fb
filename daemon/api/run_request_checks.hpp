#pragma once
// The checks of a run request that do not depend on its wire form, in one place for every
// transport: the JSON parser (parse_run_request.cpp) applies them as it reads, and transports
// that receive a typed request (gRPC) apply check_run_request to the whole. File names are
// api/file_name.hpp's. Messages name the field the JSON API's way ("args[3]", "tests").
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "api/parse_run_request.hpp"
#include "api/run_request.hpp"

namespace runbox::api {

// At most this many entries per args list. execve refuses far fewer anyway (E2BIG: argv and
// the environment share ~2 MB, 8 bytes of pointer per entry), while each entry costs the daemon
// ~100 bytes of parsed JSON, request and argv copies: 3.5 million "" in a 10 MB body took
// 500 MB of its memory.
inline constexpr std::size_t kMaxArgs = 4096;

std::optional<std::string> args_count_problem(std::size_t count, std::string_view path);
// An argv entry cannot hold a NUL (it would cut the argument short).
std::optional<std::string> arg_problem(std::string_view arg, std::string_view item_path);
// Not empty (400 invalid_request), at most max_tests (422 limit_exceeds_policy).
std::optional<ApiError> tests_count_problem(std::size_t count, std::size_t max_tests);
// "runtime is required" / "runtime must not be empty".
std::optional<std::string> runtime_problem(std::string_view runtime);
// A checker's name from the policy's checkers directory: letters, digits, '_', '-' and '.',
// not starting with '.', at most 64.
std::optional<std::string> checker_name_problem(std::string_view name);
// At least one file, each name valid, no two in conflict.
std::optional<std::string> files_problem(const std::vector<SourceFile>& files, std::string_view where = "files");

// Every check above on a whole typed request (400 invalid_request, or the tests' 422). One
// file with an empty name is the JSON API's "code" form and passes.
std::optional<ApiError> check_run_request(const RunRequest& request, const ParseLimits& limits);

}  // namespace runbox::api
