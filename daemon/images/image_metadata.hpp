#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace runbox::images {

using Labels = std::map<std::string, std::string>;

// The parts of a Docker image's Config a run needs to behave as `docker run` would.
struct ImageConfig {
  std::vector<std::string> env;  // "KEY=VALUE"
  std::string working_dir;
  std::string user;
  bool operator==(const ImageConfig&) const = default;
};

// What <root>/.meta/<name>.json records about an import. The docker fields are empty for a
// tarball import (`runbox image import`).
struct ImageMetadata {
  std::string name;
  std::string source;       // where the archive came from (tarball path, "docker:<image id>")
  std::string imported_at;  // RFC 3339, UTC
  std::uint64_t size_bytes = 0;  // sum of the regular files extracted
  std::uint64_t entries = 0;
  std::uint64_t skipped = 0;
  Labels labels;
  std::string image_id;   // the engine's image id, "sha256:<64 hex>"
  std::string digest;     // the first RepoDigest ("repo@sha256:..."); empty for a local-only image
  std::string reference;  // what was pulled ("runbox/python:latest")
  std::optional<ImageConfig> config;  // Config.Env/WorkingDir/User; none for tarball imports
  std::uint64_t image_size_bytes = 0;  // the engine's Size of the image

  bool from_docker() const { return !image_id.empty(); }
};

// "2024-05-01T12:34:56Z"
std::string rfc3339_utc(std::chrono::system_clock::time_point t);

std::string metadata_to_json(const ImageMetadata& meta);
// nullopt if the text is not a metadata object (a damaged file is shown as "no metadata").
std::optional<ImageMetadata> metadata_from_json(const std::string& text);
// nullopt if the file is missing or unreadable.
std::optional<ImageMetadata> read_metadata(const std::filesystem::path& file);

// The metadata recorded next to a published rootfs <root>/<name> (in <root>/.meta/<name>.json):
// what the daemon reads to learn which Docker image (id, reference, config) a runtime's rootfs
// came from. nullopt if there is none (an image made by hand) or it is damaged.
std::optional<ImageMetadata> read_rootfs_metadata(const std::filesystem::path& rootfs);

// A metadata file written and fsync'ed under a temporary name in its final directory; commit()
// renames it into place. Deleted on destruction if never committed.
class PendingMetadata {
 public:
  PendingMetadata(const std::filesystem::path& dir, const ImageMetadata& meta);
  ~PendingMetadata();
  PendingMetadata(const PendingMetadata&) = delete;
  PendingMetadata& operator=(const PendingMetadata&) = delete;

  void commit(const std::filesystem::path& final_path);

 private:
  std::filesystem::path temp_;
  bool committed_ = false;
};

}  // namespace runbox::images
