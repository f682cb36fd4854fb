#include "server/metrics.hpp"

#include <prometheus/text_serializer.h>

namespace runbox::server {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(BuildCounter().Name("runbox_http_requests_total").Help("HTTP requests by endpoint and status code").Register(*registry_)),
      runs_(BuildCounter().Name("runbox_runs_total").Help("Runs by runtime, backend and final status").Register(*registry_)),
      latency_(BuildHistogram().Name("runbox_run_duration_seconds").Help("Time from accepting a run to its answer").Register(*registry_)),
      queue_(BuildGauge().Name("runbox_queue_length").Help("Runs waiting for a slot").Register(*registry_).Add({})),
      busy_(BuildGauge().Name("runbox_slots_busy").Help("Slots running a job").Register(*registry_).Add({})) {}

void Metrics::count_request(const std::string& endpoint, int status) {
  requests_.Add({{"endpoint", endpoint}, {"code", std::to_string(status)}}).Increment();
}

void Metrics::count_run(const std::string& runtime, const std::string& backend, const std::string& status,
                        double seconds) {
  runs_.Add({{"runtime", runtime}, {"backend", backend}, {"status", status}}).Increment();
  static const prometheus::Histogram::BucketBoundaries buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  latency_.Add({{"runtime", runtime}}, buckets).Observe(seconds);
}

void Metrics::set_slots(unsigned busy, unsigned queued) {
  busy_.Set(busy);
  queue_.Set(queued);
}

std::string Metrics::render() const { return prometheus::TextSerializer().Serialize(registry_->Collect()); }

}  // namespace runbox::server
