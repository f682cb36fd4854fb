#include "box_copy.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "sys_error.hpp"
#include "runbox/sandbox/unique_fd.hpp"

namespace runbox::sandbox {
namespace {

constexpr mode_t kKeptBits = 01777;  // permissions and sticky; never setuid/setgid

[[noreturn]] void fail(const std::string& what, const std::string& name, int err) {
  throw std::runtime_error("copying /box: " + what + " " + name + ": " + errno_text(err));
}

// One name in `dir`, never through a symlink, a magic link or another mount.
UniqueFd open_beneath(int dir, const std::string& name, int flags) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_NOFOLLOW | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  for (;;) {
    long fd = ::syscall(SYS_openat2, dir, name.c_str(), &how, sizeof how);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    if (errno != EINTR && errno != EAGAIN) return UniqueFd();
  }
}

struct DirId {
  dev_t dev;
  ino_t ino;
  bool operator==(const DirId&) const = default;
};

DirId id_of(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail("stat", "a directory", errno);
  return {st.st_dev, st.st_ino};
}

// A directory's entry names (without "." and ".."), counted against the bound as they are read.
std::vector<std::string> names_in(int dir, std::uint64_t& entries, std::uint64_t max_entries) {
  UniqueFd fd = open_beneath(dir, ".", O_RDONLY | O_DIRECTORY);
  if (!fd) fail("open", "a directory", errno);
  DIR* d = ::fdopendir(fd.get());
  if (!d) fail("read", "a directory", errno);
  fd.release();
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    if (++entries >= max_entries) {
      ::closedir(d);
      throw std::runtime_error("copying /box: more than " + std::to_string(max_entries - 1) +
                               " entries (the box's inodes)");
    }
    names.push_back(n);
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) fail("read", "a directory", err);
  return names;
}

// Back to the parent of `dir`, which must be the directory we came down from.
UniqueFd up(int dir, const DirId& expected) {
  UniqueFd parent(::openat(dir, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!parent) fail("open", "..", errno);
  if (!(id_of(parent.get()) == expected)) throw std::runtime_error("copying /box: the tree changed while it was copied");
  return parent;
}

class Copier {
 public:
  Copier(BoxCopyOwner owner, BoxCopyBounds bounds) : owner_(owner), bounds_(bounds) {}

  void run(int source, int target) {
    UniqueFd src(::openat(source, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    UniqueFd dst(::openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!src || !dst) fail("open", "the box root", errno);
    // Iterative, two fds whatever the depth: a frame per directory being copied.
    struct Frame {
      std::vector<std::string> names;  // still to copy
      DirId src, dst;
    };
    std::vector<Frame> stack;
    stack.push_back({names_in(src.get(), entries_, bounds_.max_entries), id_of(src.get()), id_of(dst.get())});
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.names.empty()) {
        stack.pop_back();
        if (stack.empty()) break;
        src = up(src.get(), stack.back().src);
        dst = up(dst.get(), stack.back().dst);
        continue;
      }
      const std::string name = std::move(f.names.back());
      f.names.pop_back();
      struct stat st {};
      if (::fstatat(src.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) fail("stat", name, errno);
      if (S_ISREG(st.st_mode)) {
        copy_file(src.get(), dst.get(), name);
      } else if (S_ISLNK(st.st_mode)) {
        copy_symlink(src.get(), dst.get(), name);
      } else if (S_ISDIR(st.st_mode)) {
        UniqueFd sub_src = open_beneath(src.get(), name, O_RDONLY | O_DIRECTORY);
        if (!sub_src) fail("open", name, errno);
        if (::mkdirat(dst.get(), name.c_str(), 0700) != 0) fail("mkdir", name, errno);
        UniqueFd sub_dst = open_beneath(dst.get(), name, O_RDONLY | O_DIRECTORY);
        if (!sub_dst) fail("open", name, errno);
        const struct stat real = stat_fd(sub_src.get(), name);
        own(sub_dst.get(), real.st_mode, name);
        std::vector<std::string> names = names_in(sub_src.get(), entries_, bounds_.max_entries);
        stack.push_back({std::move(names), id_of(sub_src.get()), id_of(sub_dst.get())});
        src = std::move(sub_src);
        dst = std::move(sub_dst);
      }
      // Devices, fifos, sockets: nothing a program needs from a previous stage, and opening a
      // fifo would block. Skipped.
    }
  }

 private:
  static struct stat stat_fd(int fd, const std::string& name) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) fail("stat", name, errno);
    return st;
  }

  void own(int fd, mode_t mode, const std::string& name) const {
    if (::fchown(fd, owner_.uid, owner_.gid) != 0) fail("chown", name, errno);
    if (::fchmod(fd, mode & kKeptBits) != 0) fail("chmod", name, errno);
  }

  void copy_file(int src_dir, int dst_dir, const std::string& name) {
    // O_NONBLOCK: should the name have become a fifo, open must not wait for a writer.
    UniqueFd in = open_beneath(src_dir, name, O_RDONLY | O_NONBLOCK);
    if (!in) fail("open", name, errno);
    const struct stat st = stat_fd(in.get(), name);
    if (!S_ISREG(st.st_mode)) return;
    if (static_cast<std::uint64_t>(st.st_size) > bounds_.max_bytes - bytes_)
      throw std::runtime_error("copying /box: more than " + std::to_string(bounds_.max_bytes) +
                               " bytes of files (the box's size)");
    UniqueFd out(::openat(dst_dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) fail("create", name, errno);
    char buf[65536];
    std::uint64_t left = static_cast<std::uint64_t>(st.st_size);
    while (left > 0) {
      const ssize_t n = ::read(in.get(), buf, left < sizeof buf ? left : sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail("read", name, errno);
      if (n == 0) break;  // shorter than its size said: nothing writes the source while it is copied
      for (ssize_t done = 0; done < n;) {
        const ssize_t w = ::write(out.get(), buf + done, static_cast<std::size_t>(n - done));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) fail("write", name, errno);
        done += w;
      }
      left -= static_cast<std::uint64_t>(n);
    }
    bytes_ += static_cast<std::uint64_t>(st.st_size) - left;
    own(out.get(), st.st_mode, name);
    const timespec times[2] = {st.st_atim, st.st_mtim};
    if (::futimens(out.get(), times) != 0) fail("set times of", name, errno);
  }

  void copy_symlink(int src_dir, int dst_dir, const std::string& name) const {
    char text[PATH_MAX];
    const ssize_t n = ::readlinkat(src_dir, name.c_str(), text, sizeof text);
    if (n < 0) fail("readlink", name, errno);
    if (static_cast<std::size_t>(n) == sizeof text) fail("readlink", name, ENAMETOOLONG);
    const std::string target(text, static_cast<std::size_t>(n));
    if (::symlinkat(target.c_str(), dst_dir, name.c_str()) != 0) fail("symlink", name, errno);
    if (::fchownat(dst_dir, name.c_str(), owner_.uid, owner_.gid, AT_SYMLINK_NOFOLLOW) != 0) fail("chown", name, errno);
  }

  BoxCopyOwner owner_;
  BoxCopyBounds bounds_;
  std::uint64_t entries_ = 0;
  std::uint64_t bytes_ = 0;
};

}  // namespace

void copy_box_tree(int source, int target, BoxCopyOwner owner, BoxCopyBounds bounds) {
  if (bounds.max_entries == 0) throw std::invalid_argument("copy_box_tree: max_entries 0");
  Copier(owner, bounds).run(source, target);
}

}  // namespace runbox::sandbox
