#pragma once
// A window's rows summarised per runtime and, inside each, per status: counts, success rate,
// nearest-rank percentiles of wall and CPU time, mean and max peak memory; and that summary as
// the JSON of GET /v1/stats (docs/api.md, "Statistics").
#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "stats/stats_store.hpp"

namespace runbox::stats {

struct Percentiles {
  std::uint64_t p50 = 0, p90 = 0, p99 = 0;
};

struct GroupSummary {
  std::uint64_t count = 0;
  double success_rate = 0;  // successes / count
  Percentiles wall_ms, cpu_ms;
  double memory_kb_mean = 0;
  std::uint64_t memory_kb_max = 0;
};

struct RuntimeSummary {
  GroupSummary all;
  std::map<std::string, GroupSummary> statuses;
};

using Summary = std::map<std::string, RuntimeSummary>;

// Nearest rank: the smallest value with at least p% of the values at or below it, i.e.
// sorted[ceil(p/100 * n) - 1]. 0 for no values. Sorts `values`.
std::uint64_t nearest_rank(std::vector<std::uint64_t>& values, unsigned percent);

Summary summarize(const std::vector<Sample>& samples);

// {"count", "success_rate", "wall_ms": {p50,p90,p99}, "cpu_ms": {...}, "memory_kb": {mean,max}}
boost::json::object group_json(const GroupSummary& g);
// {"python3": {group fields..., "statuses": {"ok": {group fields}, ...}}, ...}
boost::json::object runtimes_json(const Summary& s);

// RFC 3339 in UTC, to the second: "2026-12-08T00:05:49Z".
std::string rfc3339_utc(std::int64_t unix_ms);

}  // namespace runbox::stats
