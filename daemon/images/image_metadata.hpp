#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace runbox::images {

using Labels = std::map<std::string, std::string>;

// What <root>/.meta/<name>.json records about an import.
struct ImageMetadata {
  std::string name;
  std::string source;       // where the archive came from (the tarball's absolute path)
  std::string imported_at;  // RFC 3339, UTC
  std::uint64_t size_bytes = 0;
  std::uint64_t entries = 0;
  std::uint64_t skipped = 0;
  Labels labels;
};

// "2024-05-01T12:34:56Z"
std::string rfc3339_utc(std::chrono::system_clock::time_point t);

std::string metadata_to_json(const ImageMetadata& meta);
// nullopt if the text is not a metadata object (a damaged file is shown as "no metadata").
std::optional<ImageMetadata> metadata_from_json(const std::string& text);
// nullopt if the file is missing or unreadable.
std::optional<ImageMetadata> read_metadata(const std::filesystem::path& file);

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
