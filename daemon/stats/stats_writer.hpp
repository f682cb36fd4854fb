#pragma once
// Finished runs into the statistics store, off the request path: submit() puts a record in a
// bounded queue and returns at once (a full queue drops it and counts it: a run never waits
// for the disk); one std::jthread writes what is queued in one transaction and prunes the
// store (retention, size bound) every minute. The writer lives as long as the daemon; a reload
// calls configure() again, which keeps the open store unless the path changed, enabled
// changed, or the store was unavailable (then it tries the file again).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/stats_config.hpp"
#include "stats/run_stat.hpp"
#include "stats/stats_store.hpp"

namespace runbox::stats {

// Counters kept elsewhere (the daemon's Prometheus metrics); each may be empty.
struct WriterCounters {
  std::function<void()> dropped;      // a record that found the queue full
  std::function<void()> write_error;  // a batch SQLite refused (its records are lost)
};

class StatsWriter {
 public:
  explicit StatsWriter(WriterCounters counters = {});
  ~StatsWriter();  // writes what is queued, then stops the thread
  StatsWriter(const StatsWriter&) = delete;
  StatsWriter& operator=(const StatsWriter&) = delete;

  // At start and on each reload. Opening a store logs one line: "stats" (in use) or
  // "stats_unavailable" (the path and SQLite's message; runs go on without statistics).
  void configure(const config::StatsConfig& config);
  // Starts the writer thread (records submitted before wait in the queue).
  void start();

  // Never blocks on the store. False when the record was not queued: statistics disabled or
  // unavailable, or the queue full (counted as dropped).
  bool submit(RunStat record);
  // Until everything submitted so far is written (or failed); for tests and the daemon's end.
  void wait_idle();

  // What queries read: the store in use (null when disabled) and the settings in force.
  std::shared_ptr<StatsStore> store() const;
  config::StatsConfig config() const;

 private:
  void run(std::stop_token stop);
  void write(std::vector<RunStat>& batch, const std::shared_ptr<StatsStore>& store, const config::StatsConfig& config,
             bool prune);

  WriterCounters counters_;
  mutable std::mutex mu_;
  std::condition_variable_any wake_;
  std::condition_variable idle_;
  config::StatsConfig config_;
  bool configured_ = false;
  std::shared_ptr<StatsStore> store_;
  std::vector<RunStat> queue_;
  bool busy_ = false;         // a batch is being written
  bool prune_due_ = true;     // a store was (re)opened or reconfigured: prune it soon
  std::jthread thread_;       // last: stopped and joined before the rest goes
};

// Unix time in milliseconds now.
std::int64_t unix_ms_now();

}  // namespace runbox::stats
