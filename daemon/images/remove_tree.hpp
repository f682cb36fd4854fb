#pragma once
#include <filesystem>

namespace runbox::images {

// Deletes a directory tree without following symlinks and without crossing into other mounted
// filesystems (a mount inside an image makes this fail instead of emptying the mounted tree).
// A missing path is not an error. Throws ImageError naming the first path it could not delete.
void remove_tree(const std::filesystem::path& path);

}  // namespace runbox::images
