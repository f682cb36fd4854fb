#include "images/secure_extract.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <limits.h>

#include <memory>
#include <string>
#include <unordered_set>

#include "images/entry_path.hpp"
#include "images/image_error.hpp"
#include "images/private_fs_thread.hpp"

namespace runbox::images {
namespace fs = std::filesystem;
namespace {

// ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS is left out on purpose: every entry is rewritten to an
// absolute path under `dest` (no chdir, threads), which that flag would refuse. The archive's own
// paths are refused when absolute by sanitize_entry_path() before the rewrite.
// No standard user lookup is installed either, so owners are the numeric ids of the archive,
// never remapped through the host's /etc/passwd.
constexpr std::uint64_t kProgressBytes = 1u << 20;

constexpr int kDiskFlags = ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                           ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME;

struct ArchiveWriteFree {
  void operator()(struct archive* a) const noexcept { archive_write_free(a); }
};
using DiskWriter = std::unique_ptr<struct archive, ArchiveWriteFree>;

std::string error_of(struct archive* a) {
  const char* why = archive_error_string(a);
  return why ? why : "unknown error";
}

bool is_special_file(mode_t type) {
  return type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO || type == AE_IFSOCK;
}

class Extractor {
 public:
  Extractor(struct archive* in, const fs::path& dest) : in_(in), base_(dest.string() + "/") {
    out_.reset(archive_write_disk_new());
    if (!out_ || archive_write_disk_set_options(out_.get(), kDiskFlags) != ARCHIVE_OK)
      throw ImageError("cannot set up the archive disk writer");
  }

  ExtractStats run(const ExtractProgress& progress) {
    progress_ = &progress;
    for (;;) {
      archive_entry* entry = nullptr;
      const int r = archive_read_next_header(in_, &entry);
      if (r == ARCHIVE_EOF) break;
      // A warning still describes a whole entry (e.g. a name not valid in the C locale).
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN) throw read_error("after");
      ++stats_.entries;
      const char* raw = archive_entry_pathname(entry);
      if (!raw) throw ImageError("entry #" + std::to_string(stats_.entries) + " has no path");
      last_ = raw;
      extract(entry);
      report();
    }
    if (stats_.entries == 0) throw ImageError("the archive has no entries");
    report();
    // Closing applies the deferred directory modes and times.
    if (archive_write_close(out_.get()) != ARCHIVE_OK)
      throw ImageError("finishing the extraction: " + error_of(out_.get()));
    return stats_;
  }

 private:
  void extract(archive_entry* entry) {
    const mode_t type = archive_entry_filetype(entry);
    const std::string rel = sanitize_entry_path(last_, "entry");
    const char* link_target = archive_entry_hardlink(entry);
    const bool hardlink = link_target != nullptr;  // the pointer dies with the rewrite below
    if (hardlink) {
      const std::string target = sanitize_entry_path(link_target, "hardlink target of '" + last_ + "'");
      if (target.empty()) throw refuse("hardlink to the image root");
      if (skipped_.count(target)) return skip(rel);  // a link to a device node we did not create
      archive_entry_copy_hardlink(entry, under_dest(target).c_str());
    } else if (is_special_file(type)) {
      return skip(rel);
    } else if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) {
      throw refuse("unsupported entry type");
    }
    if (rel.empty()) {
      // The archive's "./": its mode and owner are set when the image is published.
      if (type != AE_IFDIR || hardlink) throw refuse("the image root must be a directory");
      return;
    }
    const bool data = type == AE_IFREG && archive_entry_size(entry) > 0;
    if (data && !hardlink) stats_.size_bytes += static_cast<std::uint64_t>(archive_entry_size(entry));

    archive_entry_copy_pathname(entry, under_dest(rel).c_str());
    // Any warning from the disk writer is an error: a failed write, owner or mode is a wrong image.
    if (archive_write_header(out_.get(), entry) != ARCHIVE_OK) throw write_error();
    if (data) copy_data();
    if (archive_write_finish_entry(out_.get()) != ARCHIVE_OK) throw write_error();
  }

  void copy_data() {
    for (;;) {
      const void* buf = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      const int r = archive_read_data_block(in_, &buf, &size, &offset);
      if (r == ARCHIVE_EOF) return;
      if (r != ARCHIVE_OK) throw read_error("in");
      if (archive_write_data_block(out_.get(), buf, size, offset) != ARCHIVE_OK) throw write_error();
      // A large file still shows progress while it is written.
      if (static_cast<std::uint64_t>(archive_filter_bytes(in_, -1)) >= stats_.bytes_read + kProgressBytes) report();
    }
  }

  void report() {
    stats_.bytes_read = static_cast<std::uint64_t>(archive_filter_bytes(in_, -1));
    if (*progress_) (*progress_)(stats_);
  }

  std::string under_dest(const std::string& rel) const {
    std::string full = base_ + rel;
    // libarchive chdir()s to shorten longer paths: not allowed with other threads around.
    if (full.size() >= PATH_MAX) throw refuse("path too long");
    return full;
  }

  void skip(const std::string& rel) {
    skipped_.insert(rel);
    ++stats_.skipped;
  }

  ImageError refuse(const std::string& why) const {
    return ImageError("entry '" + last_ + "': " + why);
  }
  ImageError write_error() const { return refuse(error_of(out_.get())); }
  ImageError read_error(const char* where) const {
    if (stats_.entries == 0) return ImageError("not a readable tar archive: " + error_of(in_));
    return ImageError("damaged archive " + std::string(where) + " entry #" +
                      std::to_string(stats_.entries) + " '" + last_ + "': " + error_of(in_));
  }

  struct archive* in_;
  DiskWriter out_;
  std::string base_;
  std::string last_;
  ExtractStats stats_;
  const ExtractProgress* progress_ = nullptr;
  std::unordered_set<std::string> skipped_;
};

}  // namespace

ExtractStats extract_archive(struct archive* in, const fs::path& dest, const ExtractProgress& progress) {
  std::error_code ec;
  // SECURE_SYMLINKS checks every component of the rewritten paths, the destination's included.
  if (!dest.is_absolute() || fs::canonical(dest, ec) != dest || !fs::is_directory(dest))
    throw ImageError("extraction target " + dest.string() +
                     " must be an existing directory, absolute and without symlinks");
  // On a thread of its own: the disk writer's per-entry umask() calls must not reach the
  // process's other threads (private_fs_thread.hpp).
  ExtractStats stats;
  run_with_private_fs([&] { stats = Extractor(in, dest).run(progress); });
  return stats;
}

}  // namespace runbox::images
