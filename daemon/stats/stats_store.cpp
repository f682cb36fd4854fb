#include "stats/stats_store.hpp"

#include <sqlite3.h>

#include <memory>

#include "log/logger.hpp"

namespace runbox::stats {
namespace {

struct StatementDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS runs ("
    " id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, key TEXT NOT NULL, tier TEXT NOT NULL,"
    " runtime TEXT NOT NULL, backend TEXT NOT NULL, status TEXT NOT NULL, success INTEGER NOT NULL,"
    " cpu_ms INTEGER NOT NULL, wall_ms INTEGER NOT NULL, memory_kb INTEGER NOT NULL, queue_wait_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS runs_time ON runs(time_ms);"
    "CREATE INDEX IF NOT EXISTS runs_key_time ON runs(key, time_ms);"
    "PRAGMA user_version = 1;";

std::int64_t as_int(std::uint64_t v) { return v > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(v); }
std::uint64_t as_uint(std::int64_t v) { return v < 0 ? 0 : static_cast<std::uint64_t>(v); }

std::string column_text(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

}  // namespace

StatsStore::StatsStore(std::filesystem::path file) : file_(std::move(file)) {
  std::lock_guard lock(mu_);
  if (auto why = open()) {
    reason_ = *why;
    problem_ = file_.string() + ": " + *why;
    sqlite3_close_v2(db_);  // nothing held: a later reload may open it again
    db_ = nullptr;
    return;
  }
  usable_ = true;
}

std::optional<std::string> StatsStore::open() {
  std::error_code ec;
  if (file_.has_parent_path()) std::filesystem::create_directories(file_.parent_path(), ec);
  if (sqlite3_open_v2(file_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK)
    return std::string("cannot open: ") + (db_ ? sqlite3_errmsg(db_) : "out of memory");
  // No waiting for a lock held elsewhere: the file is this daemon's alone (EXCLUSIVE below),
  // and a run's accounting must never wait on another process.
  sqlite3_busy_timeout(db_, 0);
  auto why = [&] {
    const int code = sqlite3_errcode(db_);
    return std::string(sqlite3_errmsg(db_)) +
           (code == SQLITE_BUSY || code == SQLITE_LOCKED ? " (another runboxd uses this file?)" : "");
  };
  // auto_vacuum must be chosen before the first table exists; WAL with synchronous=NORMAL: a
  // committed row survives a crash of runboxd (at worst the last rows of a host crash).
  for (const char* sql : {"PRAGMA locking_mode=EXCLUSIVE", "PRAGMA auto_vacuum=INCREMENTAL", "PRAGMA journal_mode=WAL",
                          "PRAGMA synchronous=NORMAL", "PRAGMA journal_size_limit=4194304"})
    if (!exec(sql)) return why();
  const auto version = scalar("PRAGMA user_version");
  if (!version) return why();
  if (*version != 0 && *version != kSchemaVersion)
    return "schema version " + std::to_string(*version) + ", this runboxd reads version " + std::to_string(kSchemaVersion);
  // The first write takes the exclusive lock for the daemon's life.
  for (const char* sql : {"BEGIN IMMEDIATE", kSchema, "COMMIT"})
    if (!exec(sql)) return why();
  return std::nullopt;
}

std::string StatsStore::reason() const {
  std::lock_guard lock(mu_);
  return reason_;
}

StatsStore::~StatsStore() { sqlite3_close_v2(db_); }

std::optional<std::string> StatsStore::problem() const {
  std::lock_guard lock(mu_);
  return problem_;
}

bool StatsStore::exec(const char* sql) {
  return db_ && sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

std::optional<std::int64_t> StatsStore::scalar(const char* sql) {
  sqlite3_stmt* raw = nullptr;
  if (!db_) return std::nullopt;
  if (sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr) != SQLITE_OK) return std::nullopt;
  Statement s(raw);
  if (sqlite3_step(raw) != SQLITE_ROW) return std::nullopt;
  return sqlite3_column_int64(raw, 0);
}

bool StatsStore::fail(const std::string& what) {
  const int code = sqlite3_extended_errcode(db_) & 0xff;
  const std::string message = sqlite3_errmsg(db_);
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
    problem_ = file_.string() + ": " + message;
    reason_ = message;
    usable_ = false;
    sqlite3_close_v2(db_);  // and its lock: a reload may open the file again once it is repaired
    db_ = nullptr;
    logging::error("stats_unavailable", "statistics unavailable (runs go on, /v1/stats answers 503): " + *problem_,
                   {{"path", file_.string()}, {"error", message}});
  } else {
    logging::error("stats_store", "statistics store " + file_.string() + ": " + what + ": " + message,
                   {{"path", file_.string()}, {"error", message}});
  }
  return false;
}

bool StatsStore::insert(const std::vector<RunStat>& rows) {
  std::lock_guard lock(mu_);
  if (problem_) return false;
  if (rows.empty()) return true;
  if (!exec("BEGIN IMMEDIATE")) return fail("insert");
  auto rollback = [&] {
    fail("insert");
    exec("ROLLBACK");
    return false;
  };
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "INSERT INTO runs (time_ms, key, tier, runtime, backend, status, success, cpu_ms, wall_ms,"
                         " memory_kb, queue_wait_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         -1, &raw, nullptr) != SQLITE_OK)
    return rollback();
  Statement ins(raw);
  for (const RunStat& r : rows) {
    sqlite3_reset(raw);
    sqlite3_bind_int64(raw, 1, r.time_ms);
    sqlite3_bind_text(raw, 2, r.key.data(), static_cast<int>(r.key.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(raw, 3, r.tier.data(), static_cast<int>(r.tier.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(raw, 4, r.runtime.data(), static_cast<int>(r.runtime.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(raw, 5, r.backend.data(), static_cast<int>(r.backend.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(raw, 6, r.status.data(), static_cast<int>(r.status.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int(raw, 7, r.success ? 1 : 0);
    sqlite3_bind_int64(raw, 8, as_int(r.cpu_ms));
    sqlite3_bind_int64(raw, 9, as_int(r.wall_ms));
    sqlite3_bind_int64(raw, 10, as_int(r.memory_kb));
    sqlite3_bind_int64(raw, 11, as_int(r.queue_wait_ms));
    if (sqlite3_step(raw) != SQLITE_DONE) return rollback();
  }
  if (!exec("COMMIT")) return rollback();
  return true;
}

std::uint64_t StatsStore::used_bytes_locked() {
  const auto pages = scalar("PRAGMA page_count");
  const auto free_pages = scalar("PRAGMA freelist_count");
  const auto page_size = scalar("PRAGMA page_size");
  if (!pages || !free_pages || !page_size) return 0;
  return as_uint(*pages - *free_pages) * as_uint(*page_size);
}

std::uint64_t StatsStore::used_bytes() {
  std::lock_guard lock(mu_);
  return problem_ ? 0 : used_bytes_locked();
}

std::uint64_t StatsStore::rows() {
  std::lock_guard lock(mu_);
  if (problem_) return 0;
  return as_uint(scalar("SELECT count(*) FROM runs").value_or(0));
}

std::optional<StatsStore::Pruned> StatsStore::prune(std::int64_t now_ms, std::uint32_t retention_days,
                                                    std::uint64_t max_bytes) {
  std::lock_guard lock(mu_);
  if (problem_) return std::nullopt;
  Pruned out;
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "DELETE FROM runs WHERE time_ms < ?", -1, &raw, nullptr) != SQLITE_OK) {
    fail("prune");
    return std::nullopt;
  }
  {
    Statement s(raw);
    sqlite3_bind_int64(raw, 1, now_ms - static_cast<std::int64_t>(retention_days) * 86400000);
    if (sqlite3_step(raw) != SQLITE_DONE) {
      fail("prune");
      return std::nullopt;
    }
    out.expired = as_uint(sqlite3_changes64(db_));
  }
  // Over the bound: the oldest rows, as many as the average row size says free 10% below it
  // (a few rounds at most: the estimate is close).
  for (int round = 0; round < 8; ++round) {
    const std::uint64_t used = used_bytes_locked();
    if (used <= max_bytes) break;
    const std::uint64_t count = as_uint(scalar("SELECT count(*) FROM runs").value_or(0));
    if (count == 0) break;  // the schema alone is over the bound: nothing more to delete
    const std::uint64_t target = max_bytes / 10 * 9;
    const std::uint64_t per_row = used / count + 1;
    const std::uint64_t n = std::min<std::uint64_t>(count, (used - target) / per_row + 1);
    if (sqlite3_prepare_v2(db_, "DELETE FROM runs WHERE id IN (SELECT id FROM runs ORDER BY time_ms, id LIMIT ?)", -1, &raw,
                           nullptr) != SQLITE_OK) {
      fail("prune");
      return std::nullopt;
    }
    Statement s(raw);
    sqlite3_bind_int64(raw, 1, as_int(n));
    if (sqlite3_step(raw) != SQLITE_DONE) {
      fail("prune");
      return std::nullopt;
    }
    out.over_size += as_uint(sqlite3_changes64(db_));
  }
  if (out.expired + out.over_size > 0) {
    exec("PRAGMA incremental_vacuum");
    exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  return out;
}

std::optional<std::vector<Sample>> StatsStore::samples(std::int64_t since_ms, const std::string* key) {
  std::lock_guard lock(mu_);
  if (problem_) return std::nullopt;
  sqlite3_stmt* raw = nullptr;
  const char* sql = key ? "SELECT runtime, status, success, wall_ms, cpu_ms, memory_kb FROM runs"
                          " WHERE key = ?2 AND time_ms >= ?1"
                        : "SELECT runtime, status, success, wall_ms, cpu_ms, memory_kb FROM runs WHERE time_ms >= ?1";
  if (sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr) != SQLITE_OK) {
    fail("query");
    return std::nullopt;
  }
  Statement s(raw);
  sqlite3_bind_int64(raw, 1, since_ms);
  if (key) sqlite3_bind_text(raw, 2, key->data(), static_cast<int>(key->size()), SQLITE_TRANSIENT);
  std::vector<Sample> out;
  int rc;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW)
    out.push_back({column_text(raw, 0), column_text(raw, 1), sqlite3_column_int(raw, 2) != 0,
                   as_uint(sqlite3_column_int64(raw, 3)), as_uint(sqlite3_column_int64(raw, 4)),
                   as_uint(sqlite3_column_int64(raw, 5))});
  if (rc != SQLITE_DONE) {
    fail("query");
    return std::nullopt;
  }
  return out;
}

}  // namespace runbox::stats
