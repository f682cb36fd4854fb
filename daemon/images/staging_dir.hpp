#pragma once
#include <filesystem>
#include <string>

namespace runbox::images {

// A fresh private directory <root>/.staging-<name>-XXXXXX (mode 0700). Dot names are never
// listed as images, so a crash leaves at most an invisible leftover. The destructor deletes
// whatever is at the path then: the tree of a failed import (a replaced
// tree is retired from there first, see retired_trees.hpp).
class StagingDir {
 public:
  StagingDir(const std::filesystem::path& root, const std::string& name);
  ~StagingDir();
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Deletes the tree now, throwing ImageError if that fails.
  void remove();
  // Leaves whatever is at the path in place (a replaced tree that could not be retired: runs may
  // still use it, so it must not be deleted now).
  void keep() { kept_ = true; }

 private:
  std::filesystem::path path_;
  bool kept_ = false;
};

}  // namespace runbox::images
