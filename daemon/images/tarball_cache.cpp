#include "images/tarball_cache.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "images/image_name.hpp"

namespace runbox::images {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kKeyLength = 16;

bool is_key(std::string_view s) {
  if (s.size() != kKeyLength) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// "<image>-<key>.tar" → {image, key}; nullopt for anything else.
std::optional<std::pair<std::string, std::string>> split_tarball_name(const std::string& file) {
  constexpr std::string_view kSuffix = ".tar";
  if (file.size() < kKeyLength + 2 + kSuffix.size() || !file.ends_with(kSuffix)) return std::nullopt;
  const std::string stem = file.substr(0, file.size() - kSuffix.size());
  const std::string key = stem.substr(stem.size() - kKeyLength);
  if (stem[stem.size() - kKeyLength - 1] != '-' || !is_key(key)) return std::nullopt;
  std::string image = stem.substr(0, stem.size() - kKeyLength - 1);
  if (!is_valid_image_name(image)) return std::nullopt;
  return std::make_pair(std::move(image), key);
}

struct LockFd {
  int fd;
  ~LockFd() {
    if (fd >= 0) ::close(fd);  // and the lock with it
  }
};

bool made_from(const ImageStore& store, const std::string& image, const std::string& key) {
  try {
    const auto meta = store.metadata(image);
    if (!meta) return false;
    const auto it = meta->labels.find("recipe");
    return it != meta->labels.end() && it->second == key;
  } catch (const ImageError&) {
    return false;
  }
}

}  // namespace

TarballSweep remove_unused_tarballs(const fs::path& cache, const ImageStore& store) {
  TarballSweep out;
  std::error_code ec;
  if (!fs::is_directory(cache, ec)) return out;
  // The script's lock: a tarball it just built is not recorded by any image until imported.
  const LockFd lock{::open((cache / ".lock").c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
  if (lock.fd >= 0 && ::flock(lock.fd, LOCK_EX | LOCK_NB) != 0) {
    out.skipped = errno == EWOULDBLOCK ? cache.string() + "/.lock is held (scripts/lib/images.sh is running)"
                                       : "cannot lock " + cache.string() + "/.lock: " + std::strerror(errno);
    return out;
  }
  for (fs::directory_iterator it(cache, ec), end; !ec && it != end; it.increment(ec)) {
    const auto parts = split_tarball_name(it->path().filename().string());
    std::error_code sec;
    if (!parts || !fs::is_regular_file(it->symlink_status(sec))) continue;
    if (made_from(store, parts->first, parts->second)) continue;
    if (::unlink(it->path().c_str()) == 0) out.removed.push_back(it->path());
  }
  return out;
}

}  // namespace runbox::images
