#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/limit_overrides.hpp"

namespace runbox::api {

enum class Encoding { utf8, base64 };
enum class Compare { exact, trim, tokens };

struct SourceFile {
  std::string name;     // relative path, validated ("pkg/util.py"); empty = the runtime's file name
  std::string content;  // decoded bytes
};

struct TestCase {
  std::string stdin_data;       // decoded
  std::string expected_stdout;  // decoded
  std::vector<std::string> args;
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
};

// A client error: HTTP status, snake_case code, a message for a human.
struct ApiError {
  int status;
  std::string code;
  std::string message;
};

}  // namespace runbox::api
