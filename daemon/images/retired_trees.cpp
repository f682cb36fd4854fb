#include "images/retired_trees.hpp"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <vector>

#include "images/image_error.hpp"
#include "images/remove_tree.hpp"

namespace runbox::images {
namespace fs = std::filesystem;
namespace {

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// The retirement time in "<name>-<seconds>-XXXXXX"; nullopt for anything else (left alone).
std::optional<std::int64_t> retired_at(const std::string& entry) {
  const auto last = entry.rfind('-');
  if (last == std::string::npos || last == 0) return std::nullopt;
  const auto before = entry.rfind('-', last - 1);
  if (before == std::string::npos) return std::nullopt;
  std::int64_t secs = 0;
  const char* first = entry.data() + before + 1;
  const char* end = entry.data() + last;
  const auto [ptr, ec] = std::from_chars(first, end, secs);
  if (ec != std::errc() || ptr != end || first == end) return std::nullopt;
  return secs;
}

}  // namespace

fs::path retire_tree(const fs::path& root, const fs::path& tree, const std::string& name,
                     std::chrono::system_clock::time_point now) {
  const fs::path dir = root / ".retired";
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw ImageError("cannot create " + dir.string() + ": " + std::strerror(errno));
  std::string slot = (dir / (name + "-" + std::to_string(unix_seconds(now)) + "-XXXXXX")).string();
  if (!::mkdtemp(slot.data()))
    throw ImageError("cannot create a directory in " + dir.string() + ": " + std::strerror(errno));
  // rename() replaces the empty placeholder in one step; the name stays unique.
  if (::rename(tree.c_str(), slot.c_str()) != 0) {
    const int saved = errno;
    ::rmdir(slot.c_str());
    throw ImageError("cannot move " + tree.string() + " to " + slot + ": " + std::strerror(saved));
  }
  return slot;
}

std::vector<fs::path> remove_retired(const fs::path& root, std::chrono::seconds grace,
                                    std::chrono::system_clock::time_point now) {
  const std::int64_t cutoff = unix_seconds(now) - grace.count();
  std::vector<fs::path> old;
  std::error_code ec;
  for (fs::directory_iterator it(root / ".retired", ec), end; !ec && it != end; it.increment(ec)) {
    const auto at = retired_at(it->path().filename().string());
    if (at && *at <= cutoff) old.push_back(it->path());
  }
  std::vector<fs::path> removed;
  for (const fs::path& p : old) {
    try {
      remove_tree(p);
      removed.push_back(p);
    } catch (const ImageError&) {
      // A mount inside it, or a read-only file system: try again next time.
    }
  }
  return removed;
}

std::size_t sweep_retired(const fs::path& root, std::chrono::seconds grace,
                          std::chrono::system_clock::time_point now) {
  return remove_retired(root, grace, now).size();
}

}  // namespace runbox::images
