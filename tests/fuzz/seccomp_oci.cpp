// Docker/OCI seccomp profiles (JSON): parse_oci_seccomp_json must give a SeccompPolicy or a
// PolicyError; a policy that parses is compiled to BPF with libseccomp as the daemon does, which
// may refuse it only with std::runtime_error (e.g. a syscall name libseccomp does not know).
// std::logic_error (an action or comparison the compiler does not handle), a crash or UB is a
// finding.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "runbox/sandbox/seccomp.hpp"
#include "seccomp_files/seccomp_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  runbox::sandbox::SeccompPolicy policy;
  try {
    policy = runbox::seccomp_files::parse_oci_seccomp_json(text, "fuzz.json");
  } catch (const runbox::sandbox::PolicyError&) {
    return 0;
  }
  try {
    (void)runbox::sandbox::SeccompProgram::compile(policy);
  } catch (const std::logic_error&) {
    throw;
  } catch (const std::runtime_error&) {
  }
  return 0;
}
