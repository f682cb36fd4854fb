#pragma once
// Background jobs of the admin endpoints (POST /v1/admin/images/pull): each gets an id, runs on
// the one worker thread in the order submitted (two extractions at once would only compete for
// the disk), and reports its state, phase and progress while GET /v1/admin/jobs/{id} reads them.
// The registry keeps at most `keep` finished jobs (the oldest go first) and refuses a new job
// while `max_pending` are queued or running. The destructor asks the running job to stop
// (its work sees stop_requested()) and joins the worker; queued jobs are dropped. It also owns
// the thread a cleanup runs on (POST /v1/admin/cleanup answers when it is done, so that one is
// no job): runboxd.cpp declares this object after the io_context, so both threads are joined
// before the io_context a finishing cleanup posts its answer to goes.
#include <boost/asio/thread_pool.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

namespace runbox::admin {

enum class JobState { queued, running, succeeded, failed };
const char* job_state_name(JobState s);

// What a job's work reports as it goes; thread-safe.
class JobControl {
 public:
  virtual ~JobControl() = default;
  virtual void phase(const std::string& text) = 0;  // "exporting sha256:... into ..."
  virtual void progress(std::uint64_t bytes, std::uint64_t entries, std::uint64_t total_bytes) = 0;
  virtual bool stop_requested() const = 0;  // the daemon is stopping: end early (throw)
};

// The job's work: its result object, or an exception whose what() is the job's error.
using JobWork = std::function<boost::json::object(JobControl&)>;

class AdminJobs {
 public:
  explicit AdminJobs(std::size_t keep = 64, std::size_t max_pending = 8);
  ~AdminJobs();
  AdminJobs(const AdminJobs&) = delete;
  AdminJobs& operator=(const AdminJobs&) = delete;

  // Queues the work; its id, or nullopt when max_pending jobs are already queued or running.
  // `describe`: fields shown with the job (kind, reference, name).
  std::optional<std::string> submit(boost::json::object describe, JobWork work);
  // The job as JSON (docs/api.md, "Admin jobs"); nullopt for an id never given or forgotten.
  std::optional<boost::json::object> get(const std::string& id) const;

  // One thread for blocking admin work awaited by a request (one cleanup at a time).
  boost::asio::thread_pool& blocking_thread() { return blocking_; }

 private:
  struct Job;
  void work(std::stop_token stop);
  void forget_old_locked();

  std::size_t keep_, max_pending_;
  mutable std::mutex mu_;
  std::condition_variable_any wake_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::deque<std::string> finished_;  // ids, oldest first
  std::size_t pending_ = 0;           // queued or running
  boost::asio::thread_pool blocking_{1};
  std::jthread worker_;               // last: joined before the rest goes
};

}  // namespace runbox::admin
