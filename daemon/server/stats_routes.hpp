#pragma once
// GET /v1/stats and GET /v1/stats/keys/{name}: the usage statistics of finished runs
// (docs/api.md, "Statistics"). An admin key (or anyone, without a keys file) sees every key's
// runs and any key's; another key sees only its own (403 forbidden for another's).
#include <optional>
#include <string>
#include <string_view>

#include "server/http_types.hpp"
#include "service/caller.hpp"
#include "stats/stats_writer.hpp"

namespace runbox::server {

// The metrics' endpoint label of a statistics path ("/v1/stats", "/v1/stats/keys/{name}"), or
// nullopt when the path is none of them.
std::optional<std::string> stats_endpoint(std::string_view path);

// The answer to a GET of a path stats_endpoint() knows.
Response stats_reply(const Request& req, const service::Caller& caller, stats::StatsWriter& writer);

}  // namespace runbox::server
