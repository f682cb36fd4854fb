#pragma once
// GET /v1/stats and /v1/stats/keys/{name} below the HTTP edge: the query string's `hours`
// checked against the retention, the window read from the store and summarised, or why not.
// Who may ask for what is the edge's business (server/stats_routes.cpp).
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "stats/stats_writer.hpp"

namespace runbox::stats {

struct QueryRefusal {
  int status;
  std::string code;
  std::string message;
};

// The query string (after '?', may be empty): only `hours`, an integer 1..retention_days*24;
// default 24 (or the whole retention when shorter).
std::variant<unsigned, QueryRefusal> parse_hours(std::string_view query, std::uint32_t retention_days);

// The summary of the last `hours` (every key's runs, or only `key`'s) as the answer's JSON;
// 404 when statistics are disabled, 503 stats_unavailable when the store is not usable.
std::variant<boost::json::object, QueryRefusal> query_window(StatsWriter& writer, std::string_view query,
                                                             const std::optional<std::string>& key, std::int64_t now_ms);

}  // namespace runbox::stats
