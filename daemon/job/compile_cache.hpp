#pragma once
// Compiled boxes of earlier requests: a resubmission, or the same program judged again, skips
// its compile stage (the answer's compile.cached). Keyed by everything that can change what the
// compile leaves (service/compile_key.hpp: tier, runtime, image tree, command, limits, files),
// bounded in bytes, least recently used out first. Each entry is a tmpfs of its own under
// /run/runbox/work (a WorkDir): never mounted into a sandbox, only copied from into a fresh box,
// so no run can change what a later one gets. Only compiles that ended ok are kept.
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "runbox/sandbox/result.hpp"
#include "runbox/sandbox/work_dir.hpp"

namespace runbox::job {

struct CompiledBox {
  std::unique_ptr<sandbox::WorkDir> box;
  sandbox::Result compile;  // the compile stage as it ran (its output: warnings)
  std::uint64_t bytes = 0;  // what the box's tmpfs holds
};

class CompileCache {
 public:
  explicit CompileCache(std::uint64_t max_bytes) : max_bytes_(max_bytes) {}

  // The entry, now the most recently used; null when there is none.
  std::shared_ptr<const CompiledBox> find(const std::string& key);
  // Keeps a copy of `box` (what the compile left) under key, evicting the least recently used
  // entries to stay within the bound; an entry larger than the bound is not kept. Never throws:
  // a copy that fails is simply not cached.
  void store(const std::string& key, const sandbox::WorkDir& box, const sandbox::Result& compile, std::uint64_t box_mb,
             std::uint64_t box_inodes);

  std::uint64_t bytes() const;
  std::size_t entries() const;

 private:
  struct Slot {
    std::shared_ptr<const CompiledBox> entry;
    std::list<std::string>::iterator lru;
  };
  void evict_locked();

  const std::uint64_t max_bytes_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Slot> map_;
  std::list<std::string> lru_;  // front: most recently used
  std::uint64_t bytes_ = 0;
};

}  // namespace runbox::job
