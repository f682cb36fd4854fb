#include "images/staging_dir.hpp"

#include <stdlib.h>

#include <cerrno>
#include <cstring>

#include "images/image_error.hpp"
#include "images/remove_tree.hpp"

namespace runbox::images {

StagingDir::StagingDir(const std::filesystem::path& root, const std::string& name) {
  std::string tmpl = (root / (".staging-" + name + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data()))  // mkdtemp creates it 0700
    throw ImageError("cannot create a staging directory in " + root.string() + ": " +
                     std::strerror(errno));
  path_ = tmpl;
}

StagingDir::~StagingDir() {
  if (kept_) return;
  try {
    remove_tree(path_);
  } catch (const ImageError&) {
    // Best effort: an invisible .staging-* leftover is all that remains.
  }
}

void StagingDir::remove() { remove_tree(path_); }

}  // namespace runbox::images
