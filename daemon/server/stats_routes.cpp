#include "server/stats_routes.hpp"

#include <boost/json/serialize.hpp>
#include <cctype>

#include "api/error_body.hpp"
#include "server/facade.hpp"
#include "server/http_reply.hpp"
#include "stats/stats_query.hpp"

namespace runbox::server {
namespace {

constexpr std::string_view kKeysPrefix = "/v1/stats/keys/";

// A key's name as keys.toml allows it (auth/key_set.cpp): letters, digits, - _ . (1..64).
bool valid_key_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

Response error_reply(const Request& req, int status, const std::string& code, const std::string& message) {
  Response res = json_reply(req, status, api::error_body({status, code, message}));
  if (status == 503) res.set(http::field::retry_after, "5");
  return res;
}

}  // namespace

std::optional<std::string> stats_endpoint(std::string_view path) {
  if (path == "/v1/stats") return "/v1/stats";
  if (path.size() > kKeysPrefix.size() && path.substr(0, kKeysPrefix.size()) == kKeysPrefix)
    return "/v1/stats/keys/{name}";
  return std::nullopt;
}

Response stats_reply(const Request& req, const service::Caller& caller, stats::StatsWriter& writer) {
  const std::string_view target = req.target();
  const std::string_view path = path_of(target);
  const std::string_view query = path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view{};
  std::optional<std::string> key;
  if (path != "/v1/stats") {
    const std::string_view name = path.substr(kKeysPrefix.size());
    if (!valid_key_name(name))
      return error_reply(req, 400, "invalid_request",
                         "\"" + std::string(name.substr(0, 64)) + "\" is not a key name (letters, digits, - _ . only, 1..64)");
    if (!caller.admin && name != caller.key)
      return error_reply(req, 403, "forbidden",
                         "a key sees only its own statistics (/v1/stats/keys/" + caller.key + "); an admin key sees every key's");
    key = std::string(name);
  } else if (!caller.admin) {
    key = caller.key;  // a key that is not admin: its own runs only
  }
  auto answer = stats::query_window(writer, query, key, stats::unix_ms_now());
  if (auto* r = std::get_if<stats::QueryRefusal>(&answer)) return error_reply(req, r->status, r->code, r->message);
  return json_reply(req, 200, boost::json::serialize(std::get<boost::json::object>(answer)));
}

}  // namespace runbox::server
