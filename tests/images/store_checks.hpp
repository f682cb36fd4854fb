#pragma once
#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace runbox::test {

// Everything under an image store root that an import or removal may have left: anything but
// the lock file and empty .meta and .retired directories (a missing root leaves nothing).
inline std::vector<std::string> store_leftovers(const std::filesystem::path& root) {
  std::vector<std::string> left;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
    const std::string name = e.path().filename().string();
    if (name == ".lock") continue;
    if (name == ".meta" || name == ".retired") {
      for (const auto& m : std::filesystem::directory_iterator(e.path())) left.push_back(m.path().string());
      continue;
    }
    left.push_back(e.path().string());
  }
  return left;
}

inline struct stat lstat_or_fail(const std::filesystem::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) throw std::runtime_error("lstat " + p.string() + " failed");
  return st;
}

}  // namespace runbox::test
