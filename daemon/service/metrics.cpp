#include "service/metrics.hpp"

#include <prometheus/text_serializer.h>

namespace runbox::service {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

namespace {
const prometheus::Histogram::BucketBoundaries kRunBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
const prometheus::Histogram::BucketBoundaries kWaitBuckets{0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30};
}  // namespace

Metrics::Metrics(const std::string& version)
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(BuildCounter().Name("runbox_http_requests_total").Help("HTTP requests by endpoint and status code").Register(*registry_)),
      runs_(BuildCounter().Name("runbox_runs_total").Help("Runs by runtime, backend and final status").Register(*registry_)),
      latency_(BuildHistogram().Name("runbox_run_duration_seconds").Help("Time from accepting a run to its answer, by runtime and backend").Register(*registry_)),
      queue_wait_(BuildHistogram().Name("runbox_queue_wait_seconds").Help("Time a run waited for a slot").Register(*registry_)),
      rate_limited_(BuildCounter().Name("runbox_rate_limited_total").Help("Requests refused with 429 by API key name").Register(*registry_)),
      setup_failures_(BuildCounter().Name("runbox_sandbox_setup_failures_total").Help("Stages that ended internal_error, by backend and cause").Register(*registry_)),
      stages_(BuildCounter().Name("runbox_stages_total").Help("Stages started (compile, run, each judge test), by backend").Register(*registry_)),
      reloads_(BuildCounter().Name("runbox_reloads_total").Help("Configuration reloads by result").Register(*registry_)),
      stats_dropped_(BuildCounter().Name("runbox_stats_dropped_total").Help("Finished runs left out of the statistics: the writer's queue was full").Register(*registry_).Add({})),
      stats_write_errors_(BuildCounter().Name("runbox_stats_write_errors_total").Help("Batches of run statistics the SQLite store refused").Register(*registry_).Add({})),
      generation_(BuildGauge().Name("runbox_config_generation").Help("Number of the configuration in force (1 at start, +1 per successful reload)").Register(*registry_).Add({})),
      queue_(BuildGauge().Name("runbox_queue_length").Help("Runs waiting for a slot").Register(*registry_).Add({})),
      busy_(BuildGauge().Name("runbox_slots_busy").Help("Slots running a job").Register(*registry_).Add({})) {
  BuildGauge().Name("runbox_build_info").Help("Always 1; the labels say which runbox this is").Register(*registry_)
      .Add({{"version", version}}).Set(1);
}

void Metrics::count_request(const std::string& endpoint, int status) {
  requests_.Add({{"endpoint", endpoint}, {"code", std::to_string(status)}}).Increment();
}

void Metrics::count_run(const std::string& runtime, const std::string& backend, const std::string& status,
                        double seconds, double queue_wait_seconds) {
  runs_.Add({{"runtime", runtime}, {"backend", backend}, {"status", status}}).Increment();
  latency_.Add({{"runtime", runtime}, {"backend", backend}}, kRunBuckets).Observe(seconds);
  queue_wait_.Add({}, kWaitBuckets).Observe(queue_wait_seconds);
}

void Metrics::count_rate_limited(const std::string& key_name) { rate_limited_.Add({{"key", key_name}}).Increment(); }

void Metrics::count_setup_failure(const std::string& backend, const std::string& cause) {
  setup_failures_.Add({{"backend", backend}, {"cause", cause}}).Increment();
}

void Metrics::count_stages(const std::string& backend, unsigned stages) {
  stages_.Add({{"backend", backend}}).Increment(stages);
}

void Metrics::count_reload(bool ok) { reloads_.Add({{"result", ok ? "ok" : "refused"}}).Increment(); }
void Metrics::count_stats_dropped() { stats_dropped_.Increment(); }
void Metrics::count_stats_write_error() { stats_write_errors_.Increment(); }
void Metrics::set_generation(std::uint64_t number) { generation_.Set(static_cast<double>(number)); }

void Metrics::set_slots(unsigned busy, unsigned queued) {
  busy_.Set(busy);
  queue_.Set(queued);
}

std::string Metrics::render() const { return prometheus::TextSerializer().Serialize(registry_->Collect()); }

}  // namespace runbox::service
