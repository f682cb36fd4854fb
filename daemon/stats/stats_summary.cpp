#include "stats/stats_summary.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace runbox::stats {
namespace {

// The values of one group, gathered before they are summarised.
struct Group {
  std::uint64_t successes = 0;
  std::vector<std::uint64_t> wall, cpu;
  std::uint64_t memory_sum = 0, memory_max = 0;

  void add(const Sample& s) {
    successes += s.success ? 1 : 0;
    wall.push_back(s.wall_ms);
    cpu.push_back(s.cpu_ms);
    memory_sum += s.memory_kb;
    memory_max = std::max(memory_max, s.memory_kb);
  }

  GroupSummary summary() {
    GroupSummary g;
    g.count = wall.size();
    if (g.count == 0) return g;
    g.success_rate = static_cast<double>(successes) / static_cast<double>(g.count);
    g.wall_ms = {nearest_rank(wall, 50), nearest_rank(wall, 90), nearest_rank(wall, 99)};
    g.cpu_ms = {nearest_rank(cpu, 50), nearest_rank(cpu, 90), nearest_rank(cpu, 99)};
    g.memory_kb_mean = static_cast<double>(memory_sum) / static_cast<double>(g.count);
    g.memory_kb_max = memory_max;
    return g;
  }
};

double rounded(double v, double scale) { return std::round(v * scale) / scale; }

boost::json::object percentiles_json(const Percentiles& p) { return {{"p50", p.p50}, {"p90", p.p90}, {"p99", p.p99}}; }

}  // namespace

std::uint64_t nearest_rank(std::vector<std::uint64_t>& values, unsigned percent) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  // ceil(percent * n / 100) in integers; at least rank 1.
  const std::size_t rank = std::max<std::size_t>(1, (static_cast<std::size_t>(percent) * n + 99) / 100);
  return values[std::min(rank, n) - 1];
}

Summary summarize(const std::vector<Sample>& samples) {
  std::map<std::string, std::pair<Group, std::map<std::string, Group>>> groups;
  for (const Sample& s : samples) {
    auto& [all, statuses] = groups[s.runtime];
    all.add(s);
    statuses[s.status].add(s);
  }
  Summary out;
  for (auto& [runtime, g] : groups) {
    RuntimeSummary& r = out[runtime];
    r.all = g.first.summary();
    for (auto& [status, sg] : g.second) r.statuses[status] = sg.summary();
  }
  return out;
}

boost::json::object group_json(const GroupSummary& g) {
  return {{"count", g.count},
          {"success_rate", rounded(g.success_rate, 10000)},
          {"wall_ms", percentiles_json(g.wall_ms)},
          {"cpu_ms", percentiles_json(g.cpu_ms)},
          {"memory_kb", {{"mean", rounded(g.memory_kb_mean, 10)}, {"max", g.memory_kb_max}}}};
}

boost::json::object runtimes_json(const Summary& s) {
  boost::json::object out;
  for (const auto& [runtime, r] : s) {
    boost::json::object o = group_json(r.all);
    boost::json::object statuses;
    for (const auto& [status, g] : r.statuses) statuses[status] = group_json(g);
    o["statuses"] = std::move(statuses);
    out[runtime] = std::move(o);
  }
  return out;
}

std::string rfc3339_utc(std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace runbox::stats
