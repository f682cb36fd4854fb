#include "images/archive_reader.hpp"

#include <archive.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "images/image_error.hpp"

namespace runbox::images {

void ArchiveReadFree::operator()(struct archive* a) const noexcept { archive_read_free(a); }

ArchiveReader new_tar_reader() {
  ArchiveReader reader{archive_read_new()};
  if (!reader) throw ImageError("cannot allocate an archive reader");
  archive* a = reader.get();
  // Only tar: every other format is attack surface we do not need.
  archive_read_support_format_tar(a);
  // Named filters instead of filter_all, which would also run external programs (lrzip, lzop...).
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_lzma(a);
  archive_read_support_filter_zstd(a);
  return reader;
}

ArchiveReader open_tarball(const std::filesystem::path& tarball) {
  ArchiveReader reader = new_tar_reader();
  constexpr std::size_t kBlockSize = 64 * 1024;
  if (archive_read_open_filename(reader.get(), tarball.c_str(), kBlockSize) != ARCHIVE_OK) {
    std::string why = archive_error_string(reader.get()) ? archive_error_string(reader.get()) : "?";
    // libarchive's "Failed to open 'x'" omits the reason; EILSEQ only marks a format error.
    const int err = archive_errno(reader.get());
    if (err > 0 && err != EILSEQ) why += ": " + std::string(std::strerror(err));
    throw ImageError("cannot read " + tarball.string() + ": " + why);
  }
  return reader;
}

}  // namespace runbox::images
