#pragma once
// A checker an operator provides (policy [request] checkers_dir): <dir>/<name>.toml names the
// checker's runtime and its source file, which sits in the same directory:
//   runtime = "cpp"
//   source = "wcmp.cpp"
// A request names it with compare {"checker": {"name": "wcmp"}} (job/checker.hpp for how it runs).
#include <filesystem>
#include <string>

namespace runbox::config {

struct CheckerFile {
  std::string runtime;
  std::string source;  // the source's bytes
};

// Throws ConfigError naming the file and field (a missing file: line 0).
CheckerFile load_checker(const std::filesystem::path& dir, const std::string& name);

}  // namespace runbox::config
