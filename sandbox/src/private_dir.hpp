#pragma once
// Host directories runbox keeps its runs' files in, made private whoever created them first.
#include <sys/types.h>

#include <cstddef>
#include <filesystem>

#include "runbox/sandbox/unique_fd.hpp"

namespace runbox::sandbox {

// Opens the absolute directory `path` one component at a time, never following a symlink (one
// anywhere on the path is refused). The first components are the system's (/, /run): each must
// exist, be root's and not writable by group or others (unless sticky, as /tmp), or the call
// throws: runbox never changes them. The last `owned` components are runbox's: created when
// missing, and whatever made them first, forced to owner root and never writable by group or
// others (mode 0755 when created, else the group and other write bits cleared); the very last
// gets owner root:root and exactly `last_mode`. Returns the last one, open (O_RDONLY).
UniqueFd open_private_dir(const std::filesystem::path& path, std::size_t owned, mode_t last_mode);

}  // namespace runbox::sandbox
