#include "images/image_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "images/archive_reader.hpp"
#include "images/atomic_publish.hpp"
#include "images/image_name.hpp"
#include "images/mount_points.hpp"
#include "images/staging_dir.hpp"
#include "images/store_lock.hpp"

namespace runbox::images {
namespace fs = std::filesystem;
namespace {

bool is_real_directory(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

ImageError no_image(const std::string& name) { return ImageError("no image named " + name); }

fs::path meta_path(const fs::path& root, const std::string& name) {
  return root / ".meta" / (name + ".json");
}

}  // namespace

ImageStore::ImageStore(fs::path root) : root_(std::move(root)) {}

ImportReport ImageStore::import_tarball(const fs::path& tarball, const std::string& name,
                                        const Labels& labels, const ExtractProgress& progress) {
  require_valid_image_name(name);
  ArchiveReader reader = open_tarball(tarball);
  return import_archive(reader.get(), name, fs::absolute(tarball).lexically_normal().string(), labels,
                        progress);
}

ImportReport ImageStore::import_archive(struct archive* in, const std::string& name,
                                        const std::string& source, const Labels& labels,
                                        const ExtractProgress& progress) {
  require_valid_image_name(name);
  const fs::path root = prepare_root();
  StagingDir staging(root, name);  // deletes the tree on any failure below
  const ExtractStats stats = extract_archive(in, staging.path(), progress);
  ensure_mount_points(staging.path());
  if (::chmod(staging.path().c_str(), 0755) != 0)
    throw ImageError("cannot chmod " + staging.path().string() + ": " + std::strerror(errno));

  const ImageMetadata meta{name, source, rfc3339_utc(std::chrono::system_clock::now()),
                           stats.size_bytes, stats.entries, stats.skipped, labels};
  PendingMetadata pending(root / ".meta", meta);
  sync_filesystem(root);

  ImportReport report{name, root / name, stats.entries, stats.size_bytes, stats.skipped, false};
  {
    StoreLock lock(root);
    report.replaced = publish_directory(staging.path(), report.rootfs);
    pending.commit(meta_path(root, name));
  }
  fsync_directory(root / ".meta");
  fsync_directory(root);
  return report;  // ~StagingDir deletes the replaced tree, if any
}

std::vector<ImageInfo> ImageStore::list() const {
  std::vector<ImageInfo> images;
  std::error_code ec;
  for (fs::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!is_valid_image_name(name) || !is_real_directory(it->path())) continue;
    images.push_back({name, it->path(), read_metadata(meta_path(root_, name))});
  }
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw ImageError("cannot list " + root_.string() + ": " + ec.message());
  std::sort(images.begin(), images.end(),
            [](const ImageInfo& a, const ImageInfo& b) { return a.name < b.name; });
  return images;
}

void ImageStore::remove(const std::string& name) {
  require_valid_image_name(name);
  const fs::path target = root_ / name;
  if (!is_real_directory(target)) throw no_image(name);
  StagingDir trash(root_, name);
  {
    StoreLock lock(root_);
    // Renaming onto the empty staging directory makes the image vanish in one step.
    if (::rename(target.c_str(), trash.path().c_str()) != 0) {
      if (errno == ENOENT) throw no_image(name);
      throw ImageError("cannot move " + target.string() + " away: " + std::strerror(errno));
    }
    const fs::path meta = meta_path(root_, name);
    if (::unlink(meta.c_str()) != 0 && errno != ENOENT)
      throw ImageError("image " + name + " removed, but not its metadata " + meta.string() + ": " +
                       std::strerror(errno));
  }
  try {
    trash.remove();
  } catch (const ImageError& e) {
    throw ImageError("image " + name + " removed, but deleting its files failed: " + e.what());
  }
}

fs::path ImageStore::rootfs(const std::string& name) const {
  require_valid_image_name(name);
  fs::path p = root_ / name;
  if (!is_real_directory(p)) throw no_image(name);
  return p;
}

fs::path ImageStore::prepare_root() const {
  std::error_code ec;
  fs::create_directories(root_ / ".meta", ec);
  if (ec) throw ImageError("cannot create " + (root_ / ".meta").string() + ": " + ec.message());
  // Resolved once: libarchive refuses any path with a symlink in it, the root's included.
  fs::path root = fs::canonical(root_, ec);
  if (ec) throw ImageError("cannot resolve " + root_.string() + ": " + ec.message());
  return root;
}

}  // namespace runbox::images
