#pragma once
// The container one sandbox::Spec becomes: the create request's body (Config + HostConfig), so
// the docker backend enforces the same limits the native sandbox does, as far as Docker can.
#include <boost/json/object.hpp>
#include <map>
#include <string>

#include "runbox/sandbox/spec.hpp"

namespace runbox::docker {

struct ContainerSettings {
  std::string image;                         // reference or id the engine has
  std::string oci_runtime;                   // "" = the engine's default, "runsc" = gVisor
  std::string seccomp_json;                  // OCI profile; required unless the next is set
  bool engine_default_seccomp = false;       // empty seccomp_json: Docker's default profile (opt-in)
  std::map<std::string, std::string> labels; // added to kManagedLabel=true
};

// Refuses (std::invalid_argument) what it cannot express: an empty argv, an empty seccomp
// profile without engine_default_seccomp, or a limit Docker would read as "none": Memory,
// MemorySwap, PidsLimit or NanoCpus of 0 (fail closed, whatever the caller checked before).
boost::json::object container_config(const sandbox::Spec& spec, const ContainerSettings& settings);


}  // namespace runbox::docker
