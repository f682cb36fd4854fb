#pragma once
#include <string>

#include "runbox/sandbox/seccomp.hpp"

namespace runbox::config {

// A configuration file (runboxd.toml, a runtime, a policy) that is wrong: names the file, the
// line (0 when unknown) and the field; what() is "file:line: field: message". It is a
// sandbox::PolicyError so one catch covers a policy and the seccomp profile it names.
class ConfigError : public sandbox::PolicyError {
 public:
  using sandbox::PolicyError::PolicyError;
};

}  // namespace runbox::config
