#pragma once
#include <filesystem>
#include <string>

namespace runbox::test {

// ctest reports exit code 77 as "skipped"; a test that cannot run here says why and exits so.
[[noreturn]] void skip(const std::string& reason);
void require_root();
// The image rootfs directory a sandbox test runs in (default /var/lib/runbox/rootfs/<name>,
// overridable by RUNBOX_ROOTFS_DIR); skips with the reason when it is not there.
std::filesystem::path require_image(const std::string& name);

std::string read_file(const std::filesystem::path& p);
void write_file(const std::filesystem::path& p, const std::string& content, unsigned mode = 0644);

// A fresh private directory under /tmp, removed (without following symlinks) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace runbox::test
