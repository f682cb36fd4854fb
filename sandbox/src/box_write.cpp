// WorkDir::write_file: a request's files into a fresh box, parents first, relative to the box's
// fd with *at calls so no symlink (there should be none yet) is ever followed.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>
#include <vector>

#include "runbox/sandbox/work_dir.hpp"
#include "sys_error.hpp"
#include "runbox/sandbox/unique_fd.hpp"

namespace runbox::sandbox {
namespace {

std::vector<std::string> components(const std::string& name) {
  std::vector<std::string> parts;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t end = name.find('/', pos);
    parts.push_back(name.substr(pos, end == std::string::npos ? std::string::npos : end - pos));
    const std::string& p = parts.back();
    if (p.empty() || p == "." || p == ".." || p.find('\0') != std::string::npos)
      throw std::invalid_argument("file name \"" + name + "\" is not a relative path of plain components");
    if (end == std::string::npos) return parts;
    pos = end + 1;
  }
}

[[noreturn]] void fail(const std::string& name, const std::string& why, int err) {
  if (err == ENOSPC || err == EDQUOT)
    throw std::runtime_error("cannot write " + name + ": /box is full (no space or inodes left: box_mb, box_inodes)");
  throw std::runtime_error("cannot write " + name + ": " + why + ": " + errno_text(err));
}

}  // namespace

void WorkDir::write_file(const std::string& name, std::string_view content) const {
  const std::vector<std::string> parts = components(name);
  UniqueFd dir(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) fail(name, "open " + path_.string(), errno);
  std::string prefix;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    prefix += (i ? "/" : "") + parts[i];
    bool created = false;
    if (::mkdirat(dir.get(), parts[i].c_str(), 0755) == 0) created = true;
    else if (errno != EEXIST) fail(name, "mkdir " + prefix, errno);
    UniqueFd next(::openat(dir.get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next) {
      if (errno == ENOTDIR || errno == ELOOP)
        throw std::runtime_error("cannot write " + name + ": " + prefix + " exists and is not a directory");
      fail(name, "open " + prefix, errno);
    }
    if (created && (::fchown(next.get(), uid_, gid_) != 0 || ::fchmod(next.get(), 0755) != 0))
      fail(name, "chown " + prefix, errno);
    dir = std::move(next);
  }
  UniqueFd out(::openat(dir.get(), parts.back().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out) {
    if (errno == EEXIST) throw std::runtime_error("cannot write " + name + ": it exists already (as a file or a directory)");
    fail(name, "create", errno);
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(out.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(name, "write", errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fchown(out.get(), uid_, gid_) != 0 || ::fchmod(out.get(), 0644) != 0) fail(name, "chown", errno);
}

}  // namespace runbox::sandbox
