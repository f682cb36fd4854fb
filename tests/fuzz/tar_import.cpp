// Image tarballs (runbox image import / pull): the image store's secure extraction
// (extract_archive) of any bytes into a scratch directory must either extract or throw
// ImageError, and must never create anything outside the destination: after every input the
// scratch directory holds exactly the destination, which is then removed (the next input starts
// from an empty one). Runs as root in CI (owners and modes are applied as the daemon does).
#include <archive.h>
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "images/archive_reader.hpp"
#include "images/image_error.hpp"
#include "images/secure_extract.hpp"

namespace fs = std::filesystem;

namespace {

struct Scratch {
  fs::path dir;
  fs::path dest;
  Scratch() {
    std::string tmpl = (fs::temp_directory_path() / "runbox-fuzz-tar.XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
      std::perror("mkdtemp");
      std::abort();
    }
    // Canonical: the destination must be an absolute path without symlinks.
    dir = fs::canonical(tmpl);
    // Deep enough that "../x" up to "../../../../x" all land inside `dir`, where they are seen.
    dest = dir / "a" / "b" / "c" / "root";
    fs::create_directories(dest.parent_path());
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Scratch scratch;
  fs::create_directory(scratch.dest);
  {
    runbox::images::ArchiveReader reader = runbox::images::new_tar_reader();
    if (archive_read_open_memory(reader.get(), data, size) == ARCHIVE_OK) {
      try {
        (void)runbox::images::extract_archive(reader.get(), scratch.dest);
      } catch (const runbox::images::ImageError&) {
      }
    }
  }
  // An entry written outside the destination (through "..", or a symlink or hardlink followed
  // out of it) shows up as a second name in one of the levels above it: the extraction is then
  // broken, whatever it reported.
  for (fs::path level = scratch.dest; level != scratch.dir; level = level.parent_path()) {
    for (const fs::directory_entry& e : fs::directory_iterator(level.parent_path())) {
      if (e.path() != level) {
        std::fprintf(stderr, "tar_import: the extraction wrote %s, outside %s\n", e.path().c_str(),
                     scratch.dest.c_str());
        std::abort();
      }
    }
  }
  fs::remove_all(scratch.dest);  // symlinks are removed, never followed
  return 0;
}
