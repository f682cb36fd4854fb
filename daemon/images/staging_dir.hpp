#pragma once
#include <filesystem>
#include <string>

namespace runbox::images {

// A fresh private directory <root>/.staging-<name>-XXXXXX (mode 0700). Dot names are never
// listed as images, so a crash leaves at most an invisible leftover. The destructor deletes
// whatever is at the path then: a failed import, or the old tree a publish swapped out.
class StagingDir {
 public:
  StagingDir(const std::filesystem::path& root, const std::string& name);
  ~StagingDir();
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Deletes the tree now, throwing ImageError if that fails.
  void remove();

 private:
  std::filesystem::path path_;
};

}  // namespace runbox::images
