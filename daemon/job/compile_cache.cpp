#include "job/compile_cache.hpp"

#include <sys/statvfs.h>

namespace runbox::job {
namespace {

// The bytes a tmpfs holds now (its used blocks).
std::uint64_t used_bytes(const std::filesystem::path& dir) {
  struct statvfs v {};
  if (::statvfs(dir.c_str(), &v) != 0) return 0;
  return static_cast<std::uint64_t>(v.f_blocks - v.f_bfree) * v.f_frsize;
}

}  // namespace

std::shared_ptr<const CompiledBox> CompileCache::find(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.entry;
}

void CompileCache::store(const std::string& key, const sandbox::WorkDir& box, const sandbox::Result& compile,
                         std::uint64_t box_mb, std::uint64_t box_inodes) {
  if (max_bytes_ == 0) return;
  {
    std::lock_guard lock(mu_);
    if (map_.count(key)) return;
  }
  auto entry = std::make_shared<CompiledBox>();
  try {
    // Owned by root: it is read only by runboxd, copying it into the next box (owned by that run's uid).
    entry->box = std::make_unique<sandbox::WorkDir>(box_mb, 0, 0, box_inodes);
    entry->box->copy_from(box.path());
  } catch (const std::exception&) {
    return;
  }
  entry->compile = compile;
  entry->bytes = used_bytes(entry->box->path());
  if (entry->bytes > max_bytes_) return;
  std::lock_guard lock(mu_);
  if (map_.count(key)) return;
  lru_.push_front(key);
  map_.emplace(key, Slot{std::move(entry), lru_.begin()});
  bytes_ += map_.at(key).entry->bytes;
  evict_locked();
}

void CompileCache::evict_locked() {
  // Each entry is a mount of its own: their number is bounded too.
  constexpr std::size_t kMaxEntries = 1024;
  while ((bytes_ > max_bytes_ || map_.size() > kMaxEntries) && !lru_.empty()) {
    auto it = map_.find(lru_.back());
    bytes_ -= it->second.entry->bytes;
    map_.erase(it);  // the box goes when its last reader lets go of it
    lru_.pop_back();
  }
}

std::uint64_t CompileCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

std::size_t CompileCache::entries() const {
  std::lock_guard lock(mu_);
  return map_.size();
}

}  // namespace runbox::job
