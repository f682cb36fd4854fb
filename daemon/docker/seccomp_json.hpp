#pragma once
// A runbox seccomp policy (from its TOML format or an OCI profile) as the OCI/Docker profile JSON
// that `SecurityOpt: ["seccomp=<json>"]` takes, so a docker run is filtered by the same rules as
// a native one (both are made from sandbox::lower_seccomp_policy). x86-64 only, like the native
// filter: other ABIs hit runc's bad-arch action (kill). Throws PolicyError like the lowering.
#include <string>

#include "runbox/sandbox/seccomp.hpp"

namespace runbox::docker {

std::string seccomp_profile_json(const sandbox::SeccompPolicy& policy);

}  // namespace runbox::docker
