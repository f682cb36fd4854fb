#pragma once
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace runbox::images {

// A run bind-mounts <root>/<name> when it starts and keeps using that tree until it ends. When an
// import replaces (or rm removes) the image, the old tree must outlive every run that may still
// use it: it is moved to <root>/.retired/<name>-<unix seconds>-XXXXXX and deleted only once it has
// been retired for longer than the grace period, by the sweep of a later import, pull or rm.
// The grace period must exceed the longest run (wall limits are minutes).
inline constexpr std::chrono::seconds kRetireGrace = std::chrono::minutes(15);

// Moves `tree` (a directory under `root`, same filesystem) into <root>/.retired; returns its new
// path. Throws ImageError.
std::filesystem::path retire_tree(const std::filesystem::path& root, const std::filesystem::path& tree,
                                  const std::string& name,
                                  std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Deletes the retired trees retired at least `grace` before `now`; returns how many. Best effort:
// a tree that cannot be deleted is left for the next sweep. Never throws.
std::size_t sweep_retired(const std::filesystem::path& root, std::chrono::seconds grace,
                          std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
// The same, returning the trees deleted.
std::vector<std::filesystem::path> remove_retired(
    const std::filesystem::path& root, std::chrono::seconds grace,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace runbox::images
