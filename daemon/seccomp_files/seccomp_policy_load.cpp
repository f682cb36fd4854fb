#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "seccomp_files/seccomp_files.hpp"

namespace runbox::seccomp_files {

using sandbox::PolicyError;
using sandbox::SeccompPolicy;

SeccompPolicy load_seccomp_policy(const std::filesystem::path& file) {
  const std::string origin = file.string();
  const std::string ext = file.extension().string();
  if (ext != ".toml" && ext != ".json")
    throw PolicyError(origin, 0, "", "unknown policy format \"" + ext +
                                         "\" (expected .toml for runbox's format or .json for an OCI profile)");
  std::error_code ec;
  if (std::filesystem::exists(file, ec) && !std::filesystem::is_regular_file(file, ec))
    throw PolicyError(origin, 0, "", "not a regular file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw PolicyError(origin, 0, "", std::string("cannot read: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw PolicyError(origin, 0, "", "cannot read");
  return ext == ".json" ? parse_oci_seccomp_json(text.str(), origin) : parse_seccomp_toml(text.str(), origin);
}

}  // namespace runbox::seccomp_files
