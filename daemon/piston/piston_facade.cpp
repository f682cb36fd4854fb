#include "piston/piston_facade.hpp"

#include <boost/json.hpp>

#include "piston/piston_answer.hpp"
#include "piston/piston_request.hpp"
#include "piston/piston_runtimes.hpp"
#include "server/core_await.hpp"
#include "server/http_reply.hpp"

namespace runbox::piston {
namespace {

namespace json = boost::json;
namespace http = server::http;
using server::Request;
using server::Response;

constexpr std::string_view kPrefix = "/api/v2";

Response message(const Request& req, int status, const std::string& text) {
  Response res = server::json_reply(req, status, json::serialize(json::object{{"message", text}}));
  if (status == 503) res.set(http::field::retry_after, "1");
  return res;
}

// A core refusal in Piston's words: over a maximum is its "cannot exceed the configured limit".
Response refused(const Request& req, const service::Refusal& r) {
  if (r.status == 422 && r.maximum) {
    PistonLimit limit = piston_limit(r.field, *r.maximum);
    if (!limit.name.empty())
      return message(req, 400, limit.name + " cannot exceed the configured limit of " + std::to_string(limit.maximum));
  }
  return message(req, r.status == 503 ? 503 : 400, r.message);
}

}  // namespace

std::optional<std::string> PistonFacade::route(std::string_view path) const {
  if (path != kPrefix && !path.starts_with(std::string(kPrefix) + "/")) return std::nullopt;
  for (std::string_view known : {"/api/v2/runtimes", "/api/v2/execute", "/api/v2/packages"})
    if (path == known) return std::string(known);
  if (path == "/api/v2/connect") return std::string(path);
  return std::string("/api/v2/other");
}

std::unique_ptr<server::LiveDialect> PistonFacade::live_dialect(std::string_view path) const {
  return path == "/api/v2/connect" ? connect_dialect() : nullptr;
}

boost::asio::awaitable<Response> PistonFacade::handle(const Request& req, server::RequestContext ctx,
                                                      const service::Caller& caller) {
  const std::string_view path = server::path_of(req.target());
  const auto method = req.method();
  if (path == "/api/v2/execute") {
    if (method == http::verb::post) co_return co_await execute(req, ctx, caller);
  } else if (path == "/api/v2/runtimes") {
    if (method == http::verb::get) co_return runtimes(req);
  } else if (path == "/api/v2/connect") {
    co_return message(req, 426, "/api/v2/connect is a WebSocket endpoint");
  } else if (path == "/api/v2/packages") {
    if (method == http::verb::get) co_return packages(req);
    if (method == http::verb::post || method == http::verb::delete_)
      co_return message(req, 405, "packages are installed by the operator (runbox image pull, runtimes/*.toml), not over HTTP");
  } else {
    co_return message(req, 404, "Not Found");
  }
  Response res = message(req, 405, std::string(http::to_string(method)) + " is not allowed on " + std::string(path));
  res.set(http::field::allow, path == "/api/v2/execute" ? "POST" : "GET");
  co_return res;
}

Response PistonFacade::runtimes(const Request& req) {
  json::array list;
  for (const auto& state : core_.generation()->catalog->all()) {
    if (!state.version) continue;
    PistonRuntime rt = piston_runtime(state);
    json::object o{{"language", rt.language}, {"version", rt.version.text()}};
    json::array aliases;
    for (const auto& a : rt.aliases) aliases.emplace_back(a);
    o["aliases"] = std::move(aliases);
    if (rt.runtime) o["runtime"] = *rt.runtime;
    list.push_back(std::move(o));
  }
  return server::json_reply(req, 200, json::serialize(list));
}

Response PistonFacade::packages(const Request& req) {
  json::array list;
  for (const auto& state : core_.generation()->catalog->all()) {
    if (!state.version) continue;
    PistonRuntime rt = piston_runtime(state);
    list.push_back(json::object{{"language", rt.language}, {"language_version", rt.version.text()}, {"installed", true}});
  }
  return server::json_reply(req, 200, json::serialize(list));
}

boost::asio::awaitable<Response> PistonFacade::execute(const Request& req, server::RequestContext ctx,
                                                       const service::Caller& caller) {
  // Piston answers 415 to a body that is not application/json; its own npm client sends
  // text/plain (node-fetch's default), so runbox takes that too — but not from a browser page
  // (an Origin), where a text/plain POST is the cross-site form CORS lets through unasked.
  const auto type = req[http::field::content_type];
  if (!req[http::field::origin].empty() && !type.starts_with("application/json"))
    co_return message(req, 415, "requests must be of type application/json");
  auto g = core_.generation();
  service::RunRecord record(caller);
  auto parsed = parse_execute(req.body());
  if (auto* e = std::get_if<PistonError>(&parsed)) {
    record.refused({e->status, "invalid_request", e->message});
    co_return message(req, e->status, e->message);
  }
  auto& ask = std::get<ExecuteRequest>(parsed);
  auto rt = resolve_runtime(*g->catalog, ask.language, ask.version);
  if (!rt) {
    const std::string why = ask.language + "-" + ask.version + " runtime is unknown";
    record.refused({400, "unknown_runtime", why});
    co_return message(req, 400, why);
  }
  ask.core.runtime = rt->state->def.name;
  const bool compiled = rt->state->def.has_compile();
  auto planned = core_.plan(g, caller, std::move(ask.core), record);
  if (auto* r = std::get_if<service::Refusal>(&planned)) {
    record.refused(*r);
    co_return refused(req, *r);
  }
  auto plan = std::make_shared<const service::RunPlan>(std::move(std::get<service::RunPlan>(planned)));
  std::optional<service::RunOutcome> done = co_await server::execute_on_slot(core_, plan, ctx.cancel_fd);
  if (!done) {
    record.refused(service::RunService::overloaded());
    co_return message(req, 503, service::RunService::overloaded().message);
  }
  record.finished(*plan, *done, core_.metrics());
  json::object answer = piston_answer(*rt, std::move(done->job), compiled);
  co_return server::json_reply(req, 200, json::serialize(answer));
}

}  // namespace runbox::piston
