#pragma once
// Prometheus metrics through prometheus-cpp (Debian's prometheus-cpp-dev): the exposition format
// comes from the library, not from hand-written text. Key names (never keys) label the
// rate-limit counter.
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace runbox::service {

class Metrics {
 public:
  explicit Metrics(const std::string& version = RUNBOX_VERSION);
  void count_request(const std::string& endpoint, int status);
  void count_run(const std::string& runtime, const std::string& backend, const std::string& status, double seconds,
                 double queue_wait_seconds);
  void count_rate_limited(const std::string& key_name);
  void count_setup_failure(const std::string& backend, const std::string& cause);
  void count_stages(const std::string& backend, unsigned stages);  // sandboxes a run started
  void count_reload(bool ok);
  void count_stats_dropped();      // a finished run's statistics record found the queue full
  void count_stats_write_error();  // a batch of them the statistics store refused
  void set_generation(std::uint64_t number);
  void set_slots(unsigned busy, unsigned queued);
  std::string render() const;  // text format 0.0.4

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& runs_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Histogram>& queue_wait_;
  prometheus::Family<prometheus::Counter>& rate_limited_;
  prometheus::Family<prometheus::Counter>& setup_failures_;
  prometheus::Family<prometheus::Counter>& stages_;
  prometheus::Family<prometheus::Counter>& reloads_;
  prometheus::Counter& stats_dropped_;
  prometheus::Counter& stats_write_errors_;
  prometheus::Gauge& generation_;
  prometheus::Gauge& queue_;
  prometheus::Gauge& busy_;
};

}  // namespace runbox::service
