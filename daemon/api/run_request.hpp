#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/limit_overrides.hpp"

namespace runbox::api {

enum class Encoding { utf8, base64 };

struct SourceFile {
  std::string name;     // relative path, validated ("pkg/util.py"); empty = the runtime's file name
  std::string content;  // decoded bytes
};

// How a judge test's output is checked (compare.hpp): exact, trim, tokens, numbers within a
// tolerance ("float"), the same lines in any order, or a checker program.
enum class Compare { exact, trim, tokens, float_tokens, lines_unordered, checker };

// compare {"float": {"abs", "rel"}}: two numbers match when |a-b| <= abs or |a-b| <= rel*max(|a|,|b|).
struct FloatTolerance {
  double abs = 1e-6;
  double rel = 1e-6;
};

// compare {"checker": ...}: a program given in the request (runtime + code or files), or one
// named from the policy's checkers directory.
struct CheckerRequest {
  std::string name;               // from the policy's checkers_dir; empty: given here
  std::string runtime;            // given here: its runtime
  std::vector<SourceFile> files;  // given here: its source
};

struct TestCase {
  std::string stdin_data;       // decoded
  std::string expected_stdout;  // decoded
  std::vector<std::string> args;
  bool hidden = false;          // the answer gives its verdict, status and usage, not its output
};

// A validated POST /v1/run body.
struct RunRequest {
  std::string runtime;             // name or alias, resolved later (404 unknown_runtime)
  std::vector<SourceFile> files;   // "code" becomes one file with an empty name
  std::string stdin_data;          // decoded
  std::vector<std::string> args;
  Encoding encoding = Encoding::utf8;
  config::LimitOverrides limits;
  config::LimitOverrides compile_limits;
  std::optional<std::vector<TestCase>> tests;  // judge mode
  Compare compare = Compare::trim;
  FloatTolerance tolerance;              // Compare::float_tokens
  std::optional<CheckerRequest> checker;  // Compare::checker
  bool strip_control = false;  // the answer's output without control characters but \n and \t
};

// A client error: HTTP status, snake_case code, a message for a human.
struct ApiError {
  int status;
  std::string code;
  std::string message;
};

}  // namespace runbox::api
