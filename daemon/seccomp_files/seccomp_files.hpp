#pragma once
// The seccomp profile file formats: runbox's own TOML (policies/seccomp/default.toml documents
// it) and Docker/OCI JSON profiles, read into the sandbox's SeccompPolicy. They live on the
// daemon side so the sandbox library needs no TOML or JSON parser. Every error is a
// sandbox::PolicyError naming the file, the line (0 when unknown) and the field.
#include <filesystem>
#include <string>

#include "runbox/sandbox/seccomp.hpp"

namespace runbox::seccomp_files {

// By extension: .json is an OCI profile, .toml runbox's own format.
sandbox::SeccompPolicy load_seccomp_policy(const std::filesystem::path& file);
sandbox::SeccompPolicy parse_seccomp_toml(const std::string& text, const std::string& origin);
sandbox::SeccompPolicy parse_oci_seccomp_json(const std::string& text, const std::string& origin);

}  // namespace runbox::seccomp_files
