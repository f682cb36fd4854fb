#pragma once
#include <filesystem>

namespace runbox::images {

// Puts the directory `staging` at `target` in one step: rename() if `target` does not exist,
// otherwise renameat2(RENAME_EXCHANGE), after which the old tree is at `staging` for the caller
// to delete. Readers see the old tree or the new one, never a mix. Returns true if it replaced.
bool publish_directory(const std::filesystem::path& staging, const std::filesystem::path& target);

// Flushes the whole filesystem holding `dir`, so a publish that survives a crash never points
// at file data that did not.
void sync_filesystem(const std::filesystem::path& dir);

// Makes renames in `dir` durable.
void fsync_directory(const std::filesystem::path& dir);

}  // namespace runbox::images
