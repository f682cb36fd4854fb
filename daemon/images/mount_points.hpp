#pragma once
#include <filesystem>

namespace runbox::images {

// Makes sure the directories the sandbox mounts on exist in a rootfs: box (0755), tmp (1777),
// proc (0555) and dev (0755). Missing ones are created; existing directories are left as they
// are. Throws ImageError if one exists but is not a directory (a symlink could redirect a mount).
void ensure_mount_points(const std::filesystem::path& rootfs);

}  // namespace runbox::images
