#pragma once
// The statistics on disk: one SQLite file in WAL mode, one row per finished run (run_stat.hpp),
// indexed by time and by key. Like the Judge0 store it is this daemon's alone (locking_mode
// EXCLUSIVE from the first write: a second daemon on the same file finds it locked and runs
// without statistics). A file that cannot be opened, is not a database, is corrupt or is locked
// leaves the store unavailable; problem() says why. Every call is safe from any thread (one
// connection behind a mutex).
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "stats/run_stat.hpp"

struct sqlite3;

namespace runbox::stats {

// What a window query reads of a row.
struct Sample {
  std::string runtime;
  std::string status;
  bool success = false;
  std::uint64_t wall_ms = 0;
  std::uint64_t cpu_ms = 0;
  std::uint64_t memory_kb = 0;
};

class StatsStore {
 public:
  // Opens, creating the file and its directory when missing.
  explicit StatsStore(std::filesystem::path file);
  ~StatsStore();
  StatsStore(const StatsStore&) = delete;
  StatsStore& operator=(const StatsStore&) = delete;

  const std::filesystem::path& file() const { return file_; }
  // nullopt while usable; else why not (the log line and the 503 answer). A database found
  // corrupt later (SQLITE_CORRUPT, SQLITE_NOTADB) makes it unavailable from then on.
  std::optional<std::string> problem() const;
  std::string reason() const;  // the problem without the path: SQLite's message ("" while usable)
  // The same without the lock (a long prune holds it): what submit() asks on a run's thread.
  bool usable() const { return usable_.load(std::memory_order_relaxed); }

  // All rows in one transaction, or none. False on failure (logged with SQLite's message).
  bool insert(const std::vector<RunStat>& rows);

  // Deletes rows that finished before now - retention_days, then, while the rows take more
  // than max_bytes, the oldest ones (to 90% of it), and gives the freed pages back to the file
  // system (auto_vacuum incremental). How many rows went for each reason.
  struct Pruned {
    std::uint64_t expired = 0;
    std::uint64_t over_size = 0;
  };
  std::optional<Pruned> prune(std::int64_t now_ms, std::uint32_t retention_days, std::uint64_t max_bytes);

  // Rows that finished at since_ms or later; only `key`'s when given. nullopt on failure.
  std::optional<std::vector<Sample>> samples(std::int64_t since_ms, const std::string* key);

  std::uint64_t rows();        // 0 when unavailable
  std::uint64_t used_bytes();  // the pages holding data (the file less its free pages)

 private:
  std::optional<std::string> open();  // mu_ held: why the file cannot be used, if it cannot
  bool exec(const char* sql);
  bool fail(const std::string& what);  // mu_ held: logs SQLite's message; corruption → unavailable
  std::uint64_t used_bytes_locked();
  std::optional<std::int64_t> scalar(const char* sql);  // mu_ held

  std::filesystem::path file_;
  mutable std::mutex mu_;
  sqlite3* db_ = nullptr;
  std::optional<std::string> problem_;
  std::string reason_;
  std::atomic<bool> usable_{false};
};

}  // namespace runbox::stats
