#pragma once
#include <sys/types.h>

#include <ctime>
#include <filesystem>
#include <string>

struct archive;

namespace runbox::test {

// Writes crafted tar archives with libarchive's write API, hostile ones included: paths are
// written exactly as given ("../x", "/etc/evil").
class ArchiveBuilder {
 public:
  enum class Compression { none, gzip };
  explicit ArchiveBuilder(const std::filesystem::path& file, Compression c = Compression::none);
  ~ArchiveBuilder();
  ArchiveBuilder(const ArchiveBuilder&) = delete;
  ArchiveBuilder& operator=(const ArchiveBuilder&) = delete;

  ArchiveBuilder& dir(const std::string& path, mode_t mode = 0755);
  ArchiveBuilder& file(const std::string& path, const std::string& content, mode_t mode = 0644,
                       uid_t uid = 0, gid_t gid = 0, std::time_t mtime = 1700000000);
  ArchiveBuilder& symlink(const std::string& path, const std::string& target);
  ArchiveBuilder& hardlink(const std::string& path, const std::string& target);
  ArchiveBuilder& chardev(const std::string& path, unsigned major, unsigned minor);
  ArchiveBuilder& fifo(const std::string& path);
  void close();

 private:
  struct archive* a_;
  bool closed_ = false;
};

}  // namespace runbox::test
