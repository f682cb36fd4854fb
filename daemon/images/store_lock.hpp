#pragma once
#include <filesystem>

namespace runbox::images {

// An exclusive flock() on <root>/.lock for the few steps that change what is published (rootfs
// swap + metadata rename, or removal), so concurrent imports and removals of one name, from
// threads or processes, leave a rootfs and metadata that belong together.
class StoreLock {
 public:
  explicit StoreLock(const std::filesystem::path& root);
  ~StoreLock();
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace runbox::images
