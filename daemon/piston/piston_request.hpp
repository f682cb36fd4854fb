#pragma once
// POST /api/v2/execute's body (Piston API v2, docs/compat.md) → the core's request: the
// language and version selector to resolve, the files (the first utf8 file is the main one and
// takes the runtime's source file name), stdin with Piston's final newline, args, and the
// limits in runbox's units. Errors are Piston's: 400 {"message": ...} with its wording.
#include <string>
#include <string_view>
#include <variant>

#include "api/run_request.hpp"

namespace runbox::piston {

struct ExecuteRequest {
  std::string language;
  std::string version;   // the SemVer selector
  api::RunRequest core;  // runtime left empty: the facade resolves language and version
};

struct PistonError {
  int status;
  std::string message;
};

std::variant<ExecuteRequest, PistonError> parse_execute(std::string_view body);

// A limit field of Piston's for the core's field ("limits.wall_ms" → "run_timeout"), and the
// core's maximum in Piston's unit (MiB → bytes for memory); empty for a field Piston has not.
struct PistonLimit {
  std::string name;
  std::uint64_t maximum = 0;
};
PistonLimit piston_limit(const std::string& core_field, std::uint64_t core_maximum);

}  // namespace runbox::piston
