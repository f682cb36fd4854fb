#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "images/image_error.hpp"
#include "images/image_metadata.hpp"
#include "images/secure_extract.hpp"

struct archive;

namespace runbox::images {

struct ImportReport {
  std::string name;
  std::filesystem::path rootfs;  // where the image now lives
  std::uint64_t entries = 0;
  std::uint64_t size_bytes = 0;
  std::uint64_t skipped = 0;  // device nodes, FIFOs and sockets not created
  bool replaced = false;      // an image of that name existed and was swapped out
};

struct ImageInfo {
  std::string name;
  std::filesystem::path rootfs;
  std::optional<ImageMetadata> metadata;  // absent if .meta/<name>.json is missing or damaged
};

// The unpacked images under one root: <root>/<name>/ is an image's rootfs, and
// <root>/.meta/<name>.json its metadata. Dot entries (staging trees, .meta, .lock) are never
// images. Safe to use from several threads and processes at once.
class ImageStore {
 public:
  explicit ImageStore(std::filesystem::path root = "/var/lib/runbox/rootfs");

  const std::filesystem::path& root() const { return root_; }

  // Unpacks a tar (plain or compressed) into a staging directory and publishes it atomically as
  // `name`, replacing an image of that name. On any ImageError nothing is left behind.
  ImportReport import_tarball(const std::filesystem::path& tarball, const std::string& name,
                              const Labels& labels = {}, const ExtractProgress& progress = {});

  // The same from an archive already open for reading (e.g. a stream opened on
  // new_tar_reader()); `source` is recorded in the metadata.
  ImportReport import_archive(struct archive* in, const std::string& name, const std::string& source,
                              const Labels& labels = {}, const ExtractProgress& progress = {});

  // The images, sorted by name.
  std::vector<ImageInfo> list() const;

  // Unpublishes the image atomically, then deletes its tree and metadata.
  // Throws ImageError "no image named X" if there is none.
  void remove(const std::string& name);

  // <root>/<name>; throws ImageError if the name is invalid or there is no such image.
  std::filesystem::path rootfs(const std::string& name) const;

 private:
  // Creates the root and .meta if needed; returns the root without symlinks.
  std::filesystem::path prepare_root() const;

  std::filesystem::path root_;
};

}  // namespace runbox::images
