#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "images/image_error.hpp"
#include "images/image_metadata.hpp"
#include "images/retired_trees.hpp"
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
  std::filesystem::path retired;  // where the replaced tree went (empty if none)
  std::string warning;            // the import succeeded, but something around it did not
};

struct ImageInfo {
  std::string name;
  std::filesystem::path rootfs;
  std::optional<ImageMetadata> metadata;  // absent if .meta/<name>.json is missing or damaged
};

// Receives the bytes of a tar stream piece by piece.
using ChunkSink = std::function<void(std::string_view)>;
// Writes a whole tar stream to the sink (e.g. a container export arriving from the engine),
// then returns; throws if the stream cannot be had completely.
using StreamProducer = std::function<void(const ChunkSink&)>;

// The unpacked images under one root: <root>/<name>/ is an image's rootfs, and
// <root>/.meta/<name>.json its metadata. Dot entries (staging trees, .meta, .lock, .retired) are
// never images. Safe to use from several threads and processes at once.
//
// Replacing or removing an image never deletes the tree runs may still use: it is retired
// (retired_trees.hpp) and deleted by a later import, stream import or removal once the grace
// period has passed.
class ImageStore {
 public:
  explicit ImageStore(std::filesystem::path root = "/var/lib/runbox/rootfs");

  const std::filesystem::path& root() const { return root_; }

  // How long a retired tree is kept (default kRetireGrace).
  void set_retire_grace(std::chrono::seconds grace) { grace_ = grace; }

  // Unpacks a tar (plain or compressed) into a staging directory and publishes it atomically as
  // `name`, replacing an image of that name. On any ImageError nothing is left behind.
  ImportReport import_tarball(const std::filesystem::path& tarball, const std::string& name,
                              const Labels& labels = {}, const ExtractProgress& progress = {});

  // The same from an archive already open for reading (e.g. one opened on new_tar_reader());
  // `source` is recorded in the metadata.
  ImportReport import_archive(struct archive* in, const std::string& name, const std::string& source,
                              const Labels& labels = {}, const ExtractProgress& progress = {});

  // The same from a stream: `produce` runs on the calling thread and feeds the extraction, which
  // runs on a thread of its own, through a bounded queue. Every check of import_tarball applies.
  // `recorded` gives what the metadata records besides what the extraction measures (source,
  // labels, the docker fields); its name, time and counts are filled in here. If the producer
  // throws, that exception is rethrown (and nothing is published); if the extraction fails, its
  // ImageError is thrown and the producer's next write throws to end its transfer.
  ImportReport import_stream(const std::string& name, ImageMetadata recorded, const StreamProducer& produce,
                             const ExtractProgress& progress = {});

  // The images, sorted by name.
  std::vector<ImageInfo> list() const;

  // The metadata of one image; nullopt if it has none. Throws ImageError for an invalid name.
  std::optional<ImageMetadata> metadata(const std::string& name) const;

  // Unpublishes the image and its metadata atomically and retires its tree.
  // Throws ImageError "no image named X" if there is none.
  void remove(const std::string& name);

  // <root>/<name>; throws ImageError if the name is invalid or there is no such image.
  std::filesystem::path rootfs(const std::string& name) const;

  // Deletes retired trees older than the grace period now; returns how many. Imports and
  // removals do it themselves.
  std::size_t sweep_retired() const;
  // The same, returning the trees deleted (POST /v1/admin/cleanup).
  std::vector<std::filesystem::path> remove_retired() const;

 private:
  // Creates the root and .meta if needed; returns the root without symlinks.
  std::filesystem::path prepare_root() const;
  // Mount points, mode, metadata, publish, retire of the replaced tree.
  ImportReport publish(const std::filesystem::path& root, const std::filesystem::path& staging,
                       ImageMetadata meta, const ExtractStats& stats) const;

  std::filesystem::path root_;
  std::chrono::seconds grace_ = kRetireGrace;
};

}  // namespace runbox::images
