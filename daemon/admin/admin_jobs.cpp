#include "admin/admin_jobs.hpp"

#include <random>

#include "images/image_metadata.hpp"

namespace runbox::admin {
namespace json = boost::json;

const char* job_state_name(JobState s) {
  switch (s) {
    case JobState::queued: return "queued";
    case JobState::running: return "running";
    case JobState::succeeded: return "succeeded";
    case JobState::failed: return "failed";
  }
  return "failed";
}

namespace {

// 16 hex digits from the kernel's random source: ids cannot be guessed from one another.
std::string new_job_id() {
  static std::mutex mu;
  static std::random_device device;
  std::lock_guard lock(mu);
  const std::uint64_t v = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

json::value time_or_null(const std::optional<std::chrono::system_clock::time_point>& t) {
  return t ? json::value(images::rfc3339_utc(*t)) : json::value(nullptr);
}

}  // namespace

struct AdminJobs::Job final : JobControl {
  std::string id;
  json::object describe;
  JobWork work;
  std::stop_token stop;

  mutable std::mutex mu;
  JobState state = JobState::queued;
  std::string phase_text = "queued";
  std::uint64_t bytes = 0, entries = 0, total_bytes = 0;
  std::string error;
  json::object result;
  std::chrono::system_clock::time_point created = std::chrono::system_clock::now();
  std::optional<std::chrono::system_clock::time_point> started, finished;

  void phase(const std::string& text) override {
    std::lock_guard lock(mu);
    phase_text = text;
  }
  void progress(std::uint64_t b, std::uint64_t e, std::uint64_t total) override {
    std::lock_guard lock(mu);
    bytes = b;
    entries = e;
    total_bytes = total;
  }
  bool stop_requested() const override { return stop.stop_requested(); }

  json::object to_json() const {
    std::lock_guard lock(mu);
    json::object o = describe;
    o["id"] = id;
    o["state"] = job_state_name(state);
    o["phase"] = phase_text;
    o["bytes"] = bytes;
    o["entries"] = entries;
    o["total_bytes"] = total_bytes ? json::value(total_bytes) : json::value(nullptr);
    o["created_at"] = images::rfc3339_utc(created);
    o["started_at"] = time_or_null(started);
    o["finished_at"] = time_or_null(finished);
    o["error"] = state == JobState::failed ? json::value(error) : json::value(nullptr);
    o["result"] = state == JobState::succeeded ? json::value(result) : json::value(nullptr);
    return o;
  }
};

AdminJobs::AdminJobs(std::size_t keep, std::size_t max_pending)
    : keep_(keep), max_pending_(max_pending), worker_([this](std::stop_token stop) { work(stop); }) {}

AdminJobs::~AdminJobs() {
  worker_.request_stop();
  wake_.notify_all();
}  // worker_ joins here, before the members it uses go

std::optional<std::string> AdminJobs::submit(json::object describe, JobWork work) {
  auto job = std::make_shared<Job>();
  job->describe = std::move(describe);
  job->work = std::move(work);
  job->stop = worker_.get_stop_token();
  std::lock_guard lock(mu_);
  if (pending_ >= max_pending_) return std::nullopt;
  do job->id = new_job_id();
  while (jobs_.count(job->id));
  jobs_[job->id] = job;
  queue_.push_back(job);
  ++pending_;
  wake_.notify_all();
  return job->id;
}

std::optional<json::object> AdminJobs::get(const std::string& id) const {
  std::shared_ptr<Job> job;
  {
    std::lock_guard lock(mu_);
    const auto it = jobs_.find(id);
    if (it == jobs_.end()) return std::nullopt;
    job = it->second;
  }
  return job->to_json();
}

void AdminJobs::forget_old_locked() {
  while (finished_.size() > keep_) {
    jobs_.erase(finished_.front());
    finished_.pop_front();
  }
}

void AdminJobs::work(std::stop_token stop) {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      if (!wake_.wait(lock, stop, [this] { return !queue_.empty(); })) return;
      job = queue_.front();
      queue_.pop_front();
    }
    {
      std::lock_guard lock(job->mu);
      job->state = JobState::running;
      job->phase_text = "starting";
      job->started = std::chrono::system_clock::now();
    }
    JobState state = JobState::succeeded;
    std::string error;
    json::object result;
    try {
      result = job->work(*job);
    } catch (const std::exception& e) {
      state = JobState::failed;
      error = e.what();
    } catch (...) {
      state = JobState::failed;
      error = "unknown error";
    }
    {
      std::lock_guard lock(job->mu);
      job->state = state;
      job->error = std::move(error);
      job->result = std::move(result);
      job->phase_text = state == JobState::succeeded ? "done" : "failed";
      job->finished = std::chrono::system_clock::now();
      job->work = nullptr;  // what it captured goes now
    }
    std::lock_guard lock(mu_);
    --pending_;
    finished_.push_back(job->id);
    forget_old_locked();
  }
}

}  // namespace runbox::admin
