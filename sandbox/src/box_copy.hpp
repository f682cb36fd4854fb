#pragma once
// Copying a box a stage wrote (untrusted: it may hold symlinks to host paths, fifos, deep trees)
// into a fresh one, as root, without ever following anything the stage made.
#include <sys/types.h>

#include <cstdint>

namespace runbox::sandbox {

struct BoxCopyOwner {
  uid_t uid;
  gid_t gid;
};

struct BoxCopyBounds {
  std::uint64_t max_bytes;    // regular files' sizes together (the target box's size)
  std::uint64_t max_entries;  // entries below the root (the target box's inodes, its root included)
};

// Copies everything below the open directory `source` into the open, empty directory `target`.
// Every name is opened relative to its parent's fd with openat2(RESOLVE_BENEATH |
// RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV) and O_NOFOLLOW: a symlink is
// read with readlinkat and recreated with its text verbatim, never resolved. Regular files keep
// their mode (setuid/setgid cleared) and times; directories their mode (same); devices, fifos
// and sockets are skipped. Everything created is owned by `owner`. Depth is unbounded and costs
// two fds: the walk goes up with "..", checked against the directory it came from. Throws
// std::runtime_error when the bounds are passed or an entry cannot be copied.
void copy_box_tree(int source, int target, BoxCopyOwner owner, BoxCopyBounds bounds);

}  // namespace runbox::sandbox
