#pragma once
// A front door in another system's API (Piston, Judge0) over the same service core: the App
// screens, authenticates and rate-limits its requests as for /v1/run, then hands them over. A
// facade only converts: its wire request → api::RunRequest for RunService, the typed outcome →
// its wire answer. It never plans, runs or accounts for a run itself.
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "server/http_types.hpp"
#include "server/live_session.hpp"
#include "service/caller.hpp"

namespace runbox::server {

class Facade {
 public:
  virtual ~Facade() = default;
  // The metrics' endpoint label ("/api/v2/execute") when this facade serves `path` (the target
  // without its query string); nullopt when it does not.
  virtual std::optional<std::string> route(std::string_view path) const = 0;
  virtual boost::asio::awaitable<Response> handle(const Request& req, RequestContext ctx, const service::Caller& caller) = 0;
  // Its WebSocket protocol at `path` for interactive runs (the App admits, caps and holds the
  // conversation, server/live_session.hpp); null when it has none there.
  virtual std::unique_ptr<LiveDialect> live_dialect(std::string_view path) const {
    (void)path;
    return nullptr;
  }
};

// The target's path: everything before '?'.
inline std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

}  // namespace runbox::server
