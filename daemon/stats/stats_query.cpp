#include "stats/stats_query.hpp"

#include <algorithm>
#include <charconv>

#include "stats/stats_summary.hpp"

namespace runbox::stats {

std::variant<unsigned, QueryRefusal> parse_hours(std::string_view query, std::uint32_t retention_days) {
  const std::uint64_t max = static_cast<std::uint64_t>(retention_days) * 24;
  auto refuse = [&](const std::string& why) {
    return QueryRefusal{400, "invalid_hours", why + ": hours must be an integer from 1 to " + std::to_string(max) +
                                                  " (the retention, [stats] retention_days = " +
                                                  std::to_string(retention_days) + ")"};
  };
  std::optional<std::uint64_t> hours;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    const std::string_view name = part.substr(0, eq);
    if (name != "hours")
      return QueryRefusal{400, "invalid_request",
                          "unknown query parameter \"" + std::string(name.substr(0, 64)) + "\" (only hours is known)"};
    if (hours) return refuse("hours is given twice");
    const std::string_view value = eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size())
      return refuse("\"" + std::string(value.substr(0, 32)) + "\" is not an integer");
    if (v < 1 || v > max) return refuse(std::to_string(v) + " is out of range");
    hours = v;
  }
  return static_cast<unsigned>(hours.value_or(std::min<std::uint64_t>(24, max)));
}

std::variant<boost::json::object, QueryRefusal> query_window(StatsWriter& writer, std::string_view query,
                                                             const std::optional<std::string>& key, std::int64_t now_ms) {
  const config::StatsConfig config = writer.config();
  std::shared_ptr<StatsStore> store = writer.store();
  if (!config.enabled || !store) return QueryRefusal{404, "not_found", "statistics are disabled ([stats] enabled = false)"};
  auto hours = parse_hours(query, config.retention_days);
  if (auto* r = std::get_if<QueryRefusal>(&hours)) return *r;
  const unsigned h = std::get<unsigned>(hours);
  const std::int64_t since = now_ms - static_cast<std::int64_t>(h) * 3600000;
  auto unavailable = [&](const std::string& why) {
    return QueryRefusal{503, "stats_unavailable", "statistics are unavailable (runs are still served): " + why};
  };
  if (auto why = store->problem()) return unavailable(*why);
  auto samples = store->samples(since, key ? &*key : nullptr);
  if (!samples) return unavailable(store->problem().value_or("the statistics store could not be read (see the log)"));
  boost::json::object o;
  o["available"] = true;
  o["hours"] = h;
  o["since"] = rfc3339_utc(since);
  o["until"] = rfc3339_utc(now_ms);
  o["key"] = key ? boost::json::value(*key) : boost::json::value(nullptr);
  o["count"] = samples->size();
  o["runtimes"] = runtimes_json(summarize(*samples));
  return o;
}

}  // namespace runbox::stats
