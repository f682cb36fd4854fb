#include "archive_builder.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sys/sysmacros.h>

#include <memory>
#include <stdexcept>

namespace runbox::test {
namespace {

void check(struct archive* a, int r, const std::string& what) {
  if (r != ARCHIVE_OK) {
    const char* why = archive_error_string(a);
    throw std::runtime_error("ArchiveBuilder: " + what + ": " + (why ? why : "?"));
  }
}

struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using Entry = std::unique_ptr<archive_entry, EntryFree>;

void put(struct archive* a, archive_entry* e, const std::string& content = {}) {
  check(a, archive_write_header(a, e), archive_entry_pathname(e));
  if (!content.empty() &&
      archive_write_data(a, content.data(), content.size()) != static_cast<la_ssize_t>(content.size()))
    check(a, ARCHIVE_FATAL, "data");
}

Entry make(const std::string& path, mode_t type, mode_t perm) {
  Entry e{archive_entry_new()};
  archive_entry_copy_pathname(e.get(), path.c_str());
  archive_entry_set_filetype(e.get(), type);
  archive_entry_set_perm(e.get(), perm);
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  archive_entry_set_mtime(e.get(), 1700000000, 0);
  return e;
}

}  // namespace

ArchiveBuilder::ArchiveBuilder(const std::filesystem::path& file, Compression c) : a_(archive_write_new()) {
  check(a_, archive_write_set_format_pax_restricted(a_), "format");
  if (c == Compression::gzip) check(a_, archive_write_add_filter_gzip(a_), "gzip");
  check(a_, archive_write_open_filename(a_, file.c_str()), "open " + file.string());
}

ArchiveBuilder::~ArchiveBuilder() {
  if (!closed_) archive_write_close(a_);
  archive_write_free(a_);
}

ArchiveBuilder& ArchiveBuilder::dir(const std::string& path, mode_t mode) {
  Entry e = make(path, AE_IFDIR, mode);
  put(a_, e.get());
  return *this;
}

ArchiveBuilder& ArchiveBuilder::file(const std::string& path, const std::string& content, mode_t mode,
                                     uid_t uid, gid_t gid, std::time_t mtime) {
  Entry e = make(path, AE_IFREG, mode);
  archive_entry_set_uid(e.get(), uid);
  archive_entry_set_gid(e.get(), gid);
  archive_entry_set_mtime(e.get(), mtime, 0);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(content.size()));
  put(a_, e.get(), content);
  return *this;
}

ArchiveBuilder& ArchiveBuilder::symlink(const std::string& path, const std::string& target) {
  Entry e = make(path, AE_IFLNK, 0777);
  archive_entry_copy_symlink(e.get(), target.c_str());
  put(a_, e.get());
  return *this;
}

ArchiveBuilder& ArchiveBuilder::hardlink(const std::string& path, const std::string& target) {
  Entry e = make(path, AE_IFREG, 0644);
  archive_entry_copy_hardlink(e.get(), target.c_str());
  archive_entry_set_size(e.get(), 0);
  put(a_, e.get());
  return *this;
}

ArchiveBuilder& ArchiveBuilder::chardev(const std::string& path, unsigned major, unsigned minor) {
  Entry e = make(path, AE_IFCHR, 0666);
  archive_entry_set_rdev(e.get(), makedev(major, minor));
  put(a_, e.get());
  return *this;
}

ArchiveBuilder& ArchiveBuilder::fifo(const std::string& path) {
  Entry e = make(path, AE_IFIFO, 0644);
  put(a_, e.get());
  return *this;
}

void ArchiveBuilder::close() {
  check(a_, archive_write_close(a_), "close");
  closed_ = true;
}

}  // namespace runbox::test
