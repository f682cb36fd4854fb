#include "runbox/sandbox/seccomp.hpp"

namespace runbox::sandbox {
namespace {

// "file:line: field: message"; the line and the field are left out when unknown.
std::string format(const std::string& file, int line, const std::string& field,
                   const std::string& what) {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line);
  s += ": ";
  if (!field.empty()) s += field + ": ";
  return s + what;
}

}  // namespace

PolicyError::PolicyError(std::string file, int line, std::string field, const std::string& what)
    : std::runtime_error(format(file, line, field, what)),
      file_(std::move(file)),
      line_(line),
      field_(std::move(field)) {}

}  // namespace runbox::sandbox
