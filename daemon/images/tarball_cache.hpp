#pragma once
// The rootfs tarballs scripts/lib/images.sh builds with mmdebstrap: <cache>/<image>-<key>.tar,
// the key 16 hex digits of the recipe's hash; the image made from one records the label
// recipe=<key>. runbox's own pull streams the engine's export and caches no tarball.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "images/image_store.hpp"

namespace runbox::images {

inline constexpr const char* kDefaultTarballCache = "/var/cache/runbox/images";

struct TarballSweep {
  std::vector<std::filesystem::path> removed;
  std::optional<std::string> skipped;  // why nothing was looked at (the script holds the cache)
};

// Deletes the tarballs no image of `store` was made from: <image>-<key>.tar where the image
// <image> does not record recipe=<key> (an older recipe, or an image since removed). Only
// regular files of exactly that form are touched; nothing while scripts/lib/images.sh holds
// <cache>/.lock (it may be about to import a tarball it just built). Never throws.
TarballSweep remove_unused_tarballs(const std::filesystem::path& cache, const ImageStore& store);

}  // namespace runbox::images
