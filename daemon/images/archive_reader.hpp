#pragma once
#include <filesystem>
#include <memory>

struct archive;

namespace runbox::images {

struct ArchiveReadFree {
  void operator()(struct archive* a) const noexcept;
};
using ArchiveReader = std::unique_ptr<struct archive, ArchiveReadFree>;

// A reader for tar archives (ustar, pax, GNU: what mmdebstrap and `docker export` write),
// plain or compressed with gzip, bzip2, xz/lzma or zstd. Not opened yet: a caller streaming from
// elsewhere opens it with archive_read_open() and its own callbacks.
ArchiveReader new_tar_reader();

// new_tar_reader() opened on a file; throws ImageError if it cannot be opened or is not a tar.
ArchiveReader open_tarball(const std::filesystem::path& tarball);

}  // namespace runbox::images
