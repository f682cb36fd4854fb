#include "stats/stats_writer.hpp"

#include "log/logger.hpp"

namespace runbox::stats {
namespace {
constexpr auto kPruneEvery = std::chrono::minutes(1);
}  // namespace

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

StatsWriter::StatsWriter(WriterCounters counters) : counters_(std::move(counters)) {}

StatsWriter::~StatsWriter() {
  if (thread_.joinable()) {
    thread_.request_stop();
    wake_.notify_all();
    thread_.join();
  }
}

void StatsWriter::configure(const config::StatsConfig& c) {
  {
    std::lock_guard lock(mu_);
    const bool same_file = configured_ && config_.enabled == c.enabled && config_.path == c.path;
    if (same_file && (!store_ || store_->usable())) {
      config_ = c;  // retention, size bound and queue length apply to the open store
      prune_due_ = true;
      wake_.notify_all();
      return;
    }
  }
  // Opened outside the lock: submit() must never wait for a file to open.
  std::shared_ptr<StatsStore> next;
  // A store found unusable has closed its file (and lock): the same path can be opened afresh.
  if (c.enabled) {
    next = std::make_shared<StatsStore>(c.path);
    if (auto why = next->problem())
      logging::error("stats_unavailable",
                     "statistics unavailable (runs go on without them; /v1/stats answers 503): " + *why,
                     {{"path", c.path.string()}, {"error", next->reason()}});
    else
      logging::info("stats", "statistics in " + c.path.string() + " (" + std::to_string(next->rows()) + " runs kept)",
                    {{"path", c.path.string()}, {"runs", next->rows()}, {"retention_days", c.retention_days},
                     {"max_mb", c.max_mb}});
  } else {
    logging::info("stats", "statistics disabled ([stats] enabled = false)", {{"enabled", false}});
  }
  std::lock_guard lock(mu_);
  config_ = c;
  configured_ = true;
  store_ = std::move(next);
  prune_due_ = true;
  wake_.notify_all();
}

void StatsWriter::start() {
  std::lock_guard lock(mu_);  // wait_idle() reads thread_ under it
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

bool StatsWriter::submit(RunStat record) {
  {
    std::lock_guard lock(mu_);
    if (!store_ || !store_->usable()) return false;
    if (queue_.size() >= config_.queue) {
      if (counters_.dropped) counters_.dropped();
      return false;
    }
    queue_.push_back(std::move(record));
  }
  wake_.notify_one();
  return true;
}

void StatsWriter::wait_idle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return (queue_.empty() || !thread_.joinable()) && !busy_; });
}

std::shared_ptr<StatsStore> StatsWriter::store() const {
  std::lock_guard lock(mu_);
  return store_;
}

config::StatsConfig StatsWriter::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

void StatsWriter::write(std::vector<RunStat>& batch, const std::shared_ptr<StatsStore>& store,
                        const config::StatsConfig& config, bool prune) {
  if (!store) return;  // disabled meanwhile: what was queued goes
  if (!batch.empty() && !store->insert(batch) && counters_.write_error) counters_.write_error();
  if (prune) store->prune(unix_ms_now(), config.retention_days, config.max_mb << 20);
}

void StatsWriter::run(std::stop_token stop) {
  auto last_prune = std::chrono::steady_clock::now() - kPruneEvery;
  for (;;) {
    std::vector<RunStat> batch;
    std::shared_ptr<StatsStore> store;
    config::StatsConfig config;
    bool prune = false;
    {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, stop, kPruneEvery, [&] { return !queue_.empty() || prune_due_; });
      const bool stopping = stop.stop_requested();
      batch.swap(queue_);
      store = store_;
      config = config_;
      prune = !stopping && (prune_due_ || std::chrono::steady_clock::now() - last_prune >= kPruneEvery);
      prune_due_ = false;
      busy_ = true;
      if (stopping && batch.empty()) {
        busy_ = false;
        idle_.notify_all();
        return;
      }
    }
    write(batch, store, config, prune);
    if (prune) last_prune = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(mu_);
      busy_ = false;
    }
    idle_.notify_all();
  }
}

}  // namespace runbox::stats
