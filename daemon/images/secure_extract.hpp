#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>

struct archive;

namespace runbox::images {

struct ExtractStats {
  std::uint64_t entries = 0;     // archive entries read
  std::uint64_t size_bytes = 0;  // sum of the sizes of regular files
  std::uint64_t skipped = 0;     // device nodes, FIFOs and sockets not created
  std::uint64_t bytes_read = 0;  // of the archive as it arrives (compressed, tar headers included)
};

// Called after every entry and every MiB of a file's data; cheap enough to call often, the
// caller decides when to print. May throw (an ImageError) to stop the extraction.
using ExtractProgress = std::function<void(const ExtractStats&)>;

// Extracts every entry of `in` (already open for reading) into `dest`, an existing directory
// given as an absolute path without symlinks. Refuses absolute paths, ".." components, writing
// through symlinks and hardlinks leaving `dest`; skips device nodes, FIFOs and sockets and counts
// them; keeps numeric ownership, modes (setuid included) and times. Throws ImageError naming the
// entry and the reason; whatever was written to `dest` is then the caller's to delete.
// Never changes the working directory, and runs the disk writer on a thread with its own umask
// (libarchive sets umask(0) and back for every entry), so it can run on any thread of a
// multi-threaded process. `progress` is called on that thread.
ExtractStats extract_archive(struct archive* in, const std::filesystem::path& dest,
                             const ExtractProgress& progress = {});

}  // namespace runbox::images
