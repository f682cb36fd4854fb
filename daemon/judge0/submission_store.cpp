#include "judge0/submission_store.hpp"

#include <sqlite3.h>

#include <ctime>
#include <memory>

#include "log/logger.hpp"

namespace runbox::judge0 {
namespace {

struct StatementDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS submissions ("
    " token TEXT PRIMARY KEY, key TEXT NOT NULL, status_id INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, document TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS submissions_expiry ON submissions(expires_at);";

}  // namespace

SubmissionStore::SubmissionStore(std::filesystem::path file, std::chrono::seconds ttl, std::uint64_t max_rows)
    : file_(std::move(file)), ttl_(ttl), max_rows_(max_rows) {
  std::lock_guard lock(mu_);
  std::error_code ec;
  if (file_.has_parent_path()) std::filesystem::create_directories(file_.parent_path(), ec);
  if (sqlite3_open_v2(file_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    problem_ = "cannot open " + file_.string() + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory");
    return;
  }
  // No waiting on a lock held elsewhere: the store is this daemon's alone (EXCLUSIVE below).
  sqlite3_busy_timeout(db_, 0);
  // WAL with synchronous=NORMAL: a committed row survives a crash of runboxd (not of the host,
  // at worst the last rows); EXCLUSIVE keeps the file locked from the first write on.
  for (const char* sql : {"PRAGMA locking_mode=EXCLUSIVE", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", kSchema,
                          "BEGIN IMMEDIATE", "COMMIT"})
    if (!exec(sql)) {
      problem_ = file_.string() + ": " + sqlite3_errmsg(db_);
      return;
    }
}

SubmissionStore::~SubmissionStore() { sqlite3_close(db_); }

std::optional<std::string> SubmissionStore::problem() const {
  std::lock_guard lock(mu_);
  return problem_;
}

bool SubmissionStore::exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

void SubmissionStore::log_failure(const std::string& what) const {
  logging::error("judge0_store", "judge0 store " + file_.string() + ": " + what + ": " + sqlite3_errmsg(db_),
                 {{"file", file_.string()}, {"error", sqlite3_errmsg(db_)}});
}

std::int64_t SubmissionStore::now() const { return static_cast<std::int64_t>(std::time(nullptr)); }

std::size_t SubmissionStore::recover(int status_id, const std::function<std::string(const std::string&)>& rewrite) {
  std::lock_guard lock(mu_);
  if (problem_) return 0;
  std::vector<std::pair<std::string, std::string>> rows;
  {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT token, document FROM submissions WHERE status_id IN (1, 2)", -1, &raw, nullptr) !=
        SQLITE_OK) {
      log_failure("recover");
      return 0;
    }
    Statement s(raw);
    while (sqlite3_step(raw) == SQLITE_ROW)
      rows.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(raw, 0)),
                        reinterpret_cast<const char*>(sqlite3_column_text(raw, 1)));
  }
  std::size_t n = 0;
  for (const auto& [token, document] : rows) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_, "UPDATE submissions SET status_id = ?, document = ? WHERE token = ?", -1, &raw, nullptr) !=
        SQLITE_OK)
      break;
    Statement s(raw);
    const std::string rewritten = rewrite(document);
    sqlite3_bind_int(raw, 1, status_id);
    sqlite3_bind_text(raw, 2, rewritten.data(), static_cast<int>(rewritten.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(raw, 3, token.data(), static_cast<int>(token.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(raw) == SQLITE_DONE) ++n;
  }
  return n;
}

SubmissionStore::Insert SubmissionStore::insert(const std::string& key, const std::vector<StoredSubmission>& rows) {
  std::lock_guard lock(mu_);
  if (problem_) return Insert::failed;
  if (!exec("BEGIN IMMEDIATE")) {
    log_failure("begin");
    return Insert::failed;
  }
  auto rollback = [&](Insert why) {
    if (why == Insert::failed) log_failure("insert");
    exec("ROLLBACK");
    return why;
  };
  const std::int64_t t = now();
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "DELETE FROM submissions WHERE expires_at <= ?", -1, &raw, nullptr) != SQLITE_OK)
    return rollback(Insert::failed);
  Statement purge(raw);
  sqlite3_bind_int64(raw, 1, t);
  if (sqlite3_step(raw) != SQLITE_DONE) return rollback(Insert::failed);
  if (sqlite3_prepare_v2(db_, "SELECT count(*) FROM submissions", -1, &raw, nullptr) != SQLITE_OK)
    return rollback(Insert::failed);
  Statement count(raw);
  if (sqlite3_step(raw) != SQLITE_ROW) return rollback(Insert::failed);
  if (static_cast<std::uint64_t>(sqlite3_column_int64(raw, 0)) + rows.size() > max_rows_) return rollback(Insert::full);
  if (sqlite3_prepare_v2(db_, "INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?)", -1, &raw, nullptr) != SQLITE_OK)
    return rollback(Insert::failed);
  Statement ins(raw);
  for (const auto& r : rows) {
    sqlite3_reset(raw);
    sqlite3_bind_text(raw, 1, r.token.data(), static_cast<int>(r.token.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(raw, 2, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int(raw, 3, r.status_id);
    sqlite3_bind_int64(raw, 4, t);
    sqlite3_bind_int64(raw, 5, t + ttl_.count());
    sqlite3_bind_text(raw, 6, r.document.data(), static_cast<int>(r.document.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(raw) != SQLITE_DONE) return rollback(Insert::failed);
  }
  if (!exec("COMMIT")) return rollback(Insert::failed);
  return Insert::ok;
}

bool SubmissionStore::update(const std::string& token, int status_id, const std::string& document) {
  std::lock_guard lock(mu_);
  if (problem_) return false;
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "UPDATE submissions SET status_id = ?, document = ? WHERE token = ?", -1, &raw, nullptr) !=
      SQLITE_OK) {
    log_failure("update");
    return false;
  }
  Statement s(raw);
  sqlite3_bind_int(raw, 1, status_id);
  sqlite3_bind_text(raw, 2, document.data(), static_cast<int>(document.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(raw, 3, token.data(), static_cast<int>(token.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(raw) != SQLITE_DONE) {
    log_failure("update");
    return false;
  }
  return sqlite3_changes(db_) == 1;
}

bool SubmissionStore::remove(const std::string& token) {
  std::lock_guard lock(mu_);
  if (problem_) return false;
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "DELETE FROM submissions WHERE token = ?", -1, &raw, nullptr) != SQLITE_OK) return false;
  Statement s(raw);
  sqlite3_bind_text(raw, 1, token.data(), static_cast<int>(token.size()), SQLITE_TRANSIENT);
  return sqlite3_step(raw) == SQLITE_DONE;
}

std::optional<StoredSubmission> SubmissionStore::find(const std::string& token, const std::string& key) {
  std::lock_guard lock(mu_);
  if (problem_) return std::nullopt;
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT status_id, document FROM submissions WHERE token = ? AND key = ? AND expires_at > ?",
                         -1, &raw, nullptr) != SQLITE_OK) {
    log_failure("find");
    return std::nullopt;
  }
  Statement s(raw);
  sqlite3_bind_text(raw, 1, token.data(), static_cast<int>(token.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(raw, 2, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(raw, 3, now());
  if (sqlite3_step(raw) != SQLITE_ROW) return std::nullopt;
  return StoredSubmission{token, sqlite3_column_int(raw, 0), reinterpret_cast<const char*>(sqlite3_column_text(raw, 1))};
}

std::size_t SubmissionStore::size() {
  std::lock_guard lock(mu_);
  if (problem_) return 0;
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT count(*) FROM submissions WHERE expires_at > ?", -1, &raw, nullptr) != SQLITE_OK)
    return 0;
  Statement s(raw);
  sqlite3_bind_int64(raw, 1, now());
  return sqlite3_step(raw) == SQLITE_ROW ? static_cast<std::size_t>(sqlite3_column_int64(raw, 0)) : 0;
}

}  // namespace runbox::judge0
