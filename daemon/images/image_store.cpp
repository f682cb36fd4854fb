#include "images/image_store.hpp"

#include <archive.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>

#include "images/archive_reader.hpp"
#include "images/atomic_publish.hpp"
#include "images/chunk_queue.hpp"
#include "images/image_name.hpp"
#include "images/mount_points.hpp"
#include "images/private_fs_thread.hpp"
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

// libarchive's view of a ChunkQueue: each read hands out the next chunk, which stays valid
// until the following read.
struct StreamSource {
  ChunkQueue* queue;
  std::string current;
};

la_ssize_t read_from_queue(struct archive* a, void* data, const void** buffer) {
  auto* source = static_cast<StreamSource*>(data);
  try {
    if (!source->queue->pop(source->current)) return 0;
    *buffer = source->current.data();
    return static_cast<la_ssize_t>(source->current.size());
  } catch (const std::exception& e) {
    archive_set_error(a, EIO, "%s", e.what());
    return -1;
  }
}

std::string reader_error(struct archive* a) {
  const char* why = archive_error_string(a);
  return why ? why : "unknown error";
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
  images::sweep_retired(root, grace_);
  StagingDir staging(root, name);  // deletes the tree on any failure below
  const ExtractStats stats = extract_archive(in, staging.path(), progress);
  ImageMetadata meta;
  meta.name = name;
  meta.source = source;
  meta.labels = labels;
  ImportReport report = publish(root, staging.path(), std::move(meta), stats);
  if (!report.warning.empty()) staging.keep();  // the replaced tree could not be retired
  return report;
}

ImportReport ImageStore::import_stream(const std::string& name, ImageMetadata recorded,
                                       const StreamProducer& produce, const ExtractProgress& progress) {
  require_valid_image_name(name);
  const fs::path root = prepare_root();
  images::sweep_retired(root, grace_);
  StagingDir staging(root, name);
  ChunkQueue queue;
  ExtractStats stats;
  PrivateFsThread worker([&] {
    StreamSource source{&queue, {}};  // outlives the reader that points at it
    try {
      ArchiveReader reader = new_tar_reader();
      if (archive_read_open(reader.get(), &source, nullptr, read_from_queue, nullptr) != ARCHIVE_OK)
        throw ImageError("not a readable tar stream: " + reader_error(reader.get()));
      stats = extract_archive(reader.get(), staging.path(), progress);
    } catch (...) {
      queue.stop_reading(false);
      throw;
    }
    queue.stop_reading(true);  // the tar ended: what may follow is padding
  });

  std::exception_ptr producer_error;
  try {
    produce([&](std::string_view data) { queue.push(data); });
    queue.finish();
  } catch (const ChunkQueue::ConsumerGone&) {
    queue.finish();  // the extraction failed: its error is the one to report
  } catch (const std::exception& e) {
    queue.fail(std::string("the stream broke off: ") + e.what());
    producer_error = std::current_exception();
  } catch (...) {
    queue.fail("the stream broke off");
    producer_error = std::current_exception();
  }
  try {
    worker.join();
  } catch (...) {
    if (!producer_error) throw;
  }
  if (producer_error) std::rethrow_exception(producer_error);

  recorded.name = name;
  ImportReport report = publish(root, staging.path(), std::move(recorded), stats);
  if (!report.warning.empty()) staging.keep();
  return report;
}

ImportReport ImageStore::publish(const fs::path& root, const fs::path& staging, ImageMetadata meta,
                                 const ExtractStats& stats) const {
  ensure_mount_points(staging);
  if (::chmod(staging.c_str(), 0755) != 0)
    throw ImageError("cannot chmod " + staging.string() + ": " + std::strerror(errno));

  meta.imported_at = rfc3339_utc(std::chrono::system_clock::now());
  meta.size_bytes = stats.size_bytes;
  meta.entries = stats.entries;
  meta.skipped = stats.skipped;
  PendingMetadata pending(root / ".meta", meta);
  sync_filesystem(root);

  ImportReport report{meta.name, root / meta.name, stats.entries, stats.size_bytes, stats.skipped, false, {}, {}};
  {
    StoreLock lock(root);
    report.replaced = publish_directory(staging, report.rootfs);
    pending.commit(meta_path(root, meta.name));
  }
  fsync_directory(root / ".meta");
  fsync_directory(root);
  if (report.replaced) {
    // The old tree is now at `staging`; runs that started on it may still be using it.
    try {
      report.retired = retire_tree(root, staging, meta.name);
    } catch (const ImageError& e) {
      report.warning = std::string("the replaced tree stays at ") + staging.string() + ": " + e.what();
    }
  }
  return report;
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

std::optional<ImageMetadata> ImageStore::metadata(const std::string& name) const {
  require_valid_image_name(name);
  return read_metadata(meta_path(root_, name));
}

void ImageStore::remove(const std::string& name) {
  require_valid_image_name(name);
  const fs::path target = root_ / name;
  if (!is_real_directory(target)) throw no_image(name);
  const fs::path root = prepare_root();
  images::sweep_retired(root, grace_);
  StoreLock lock(root);
  // One rename makes the image vanish; its tree stays for the runs that may still use it.
  try {
    retire_tree(root, root / name, name);
  } catch (const ImageError& e) {
    if (!is_real_directory(root / name)) throw no_image(name);  // removed meanwhile
    throw;
  }
  const fs::path meta = meta_path(root, name);
  if (::unlink(meta.c_str()) != 0 && errno != ENOENT)
    throw ImageError("image " + name + " removed, but not its metadata " + meta.string() + ": " +
                     std::strerror(errno));
}

fs::path ImageStore::rootfs(const std::string& name) const {
  require_valid_image_name(name);
  fs::path p = root_ / name;
  if (!is_real_directory(p)) throw no_image(name);
  return p;
}

std::size_t ImageStore::sweep_retired() const { return remove_retired().size(); }

std::vector<fs::path> ImageStore::remove_retired() const {
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) return {};
  return images::remove_retired(prepare_root(), grace_);
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
