#pragma once
// Prometheus metrics through prometheus-cpp (Debian's prometheus-cpp-dev): the exposition format
// comes from the library, not from hand-written text.
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace runbox::server {

class Metrics {
 public:
  Metrics();
  void count_request(const std::string& endpoint, int status);
  void count_run(const std::string& runtime, const std::string& backend, const std::string& status, double seconds);
  void set_slots(unsigned busy, unsigned queued);
  std::string render() const;  // text format 0.0.4

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& runs_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Gauge& queue_;
  prometheus::Gauge& busy_;
};

}  // namespace runbox::server
