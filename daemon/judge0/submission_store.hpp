#pragma once
// Judge0 submissions on disk (SQLite, WAL), so tokens and their results survive a restart: one
// row per token with the key that made it, its status id and its document (the submission's
// fields as the facade stores them). Rows expire ttl after they were made and are bounded in
// number. The file is held with an exclusive lock for the daemon's life: a second daemon on the
// same store is refused (the facade answers 503) rather than rewriting rows another one runs.
// Every call is safe from any thread (one connection behind a mutex; each call is short).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace runbox::judge0 {

struct StoredSubmission {
  std::string token;
  int status_id = 0;
  std::string document;  // JSON text
};

class SubmissionStore {
 public:
  // Opens (creating it and its directory if needed) and recovers: rows still In Queue or
  // Processing were interrupted by the previous daemon's end and become `interrupted_status`
  // with `interrupted_document(old)` (the facade says why). A file that cannot be opened,
  // is not a database or is locked leaves the store unavailable (problem() says why).
  SubmissionStore(std::filesystem::path file, std::chrono::seconds ttl, std::uint64_t max_rows);
  ~SubmissionStore();
  SubmissionStore(const SubmissionStore&) = delete;
  SubmissionStore& operator=(const SubmissionStore&) = delete;

  // nullopt while usable; else why not (for a log line and the 503 answer).
  std::optional<std::string> problem() const;

  // Marks rows of status 1 and 2 (a previous daemon's unfinished runs) as finished with
  // status_id and the document `rewrite` makes of theirs. Returns how many.
  std::size_t recover(int status_id, const std::function<std::string(const std::string&)>& rewrite);

  enum class Insert { ok, full, failed };
  // Inserts `count` rows at once, or none: `full` when the unexpired rows plus them would pass
  // the bound (expired rows are removed first).
  Insert insert(const std::string& key, const std::vector<StoredSubmission>& rows);
  bool update(const std::string& token, int status_id, const std::string& document);
  bool remove(const std::string& token);
  // The row, when it exists, has not expired and belongs to `key`.
  std::optional<StoredSubmission> find(const std::string& token, const std::string& key);
  std::size_t size();  // unexpired rows

 private:
  bool exec(const char* sql);
  void log_failure(const std::string& what) const;  // mu_ held: a log line with SQLite's message
  std::int64_t now() const;

  std::filesystem::path file_;
  std::chrono::seconds ttl_;
  std::uint64_t max_rows_;
  mutable std::mutex mu_;
  sqlite3* db_ = nullptr;
  std::optional<std::string> problem_;
};

}  // namespace runbox::judge0
