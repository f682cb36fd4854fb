#include "server/app.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>

#include "api/error_body.hpp"
#include "api/parse_run_request.hpp"
#include "api/response_json.hpp"
#include "api/stage_result.hpp"
#include "log/logger.hpp"
#include "server/core_await.hpp"
#include "server/http_reply.hpp"
#include "server/playground_files.hpp"
#include "server/request_screen.hpp"
#include "server/stats_routes.hpp"
#include "service/run_response.hpp"

namespace runbox::server {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

std::optional<std::string> known_endpoint(std::string_view t) {
  for (const char* known : {"/v1/run", "/v1/run/ws", "/v1/runtimes", "/health", "/healthz", "/readyz", "/metrics"})
    if (t == known) return known;
  return std::nullopt;
}


bool is_public(const std::string& target, const config::DaemonConfig& c) {
  return target == "/health" || target == "/healthz" || target == "/readyz" || target == "/metrics" ||
         (c.playground.enabled && is_playground_path(path_of(target)));  // the page asks for the key itself
}

}  // namespace

App::App(service::RunService& core, config::InteractiveConfig interactive)
    : core_(core), metrics_(core.metrics()), interactive_(interactive) {}

namespace {

// A conversation that counts as one interactive session while it lasts.
class CountedConversation final : public WsConversation {
 public:
  CountedConversation(std::unique_ptr<WsConversation> inner, std::shared_ptr<std::atomic<std::uint32_t>> count)
      : inner_(std::move(inner)), count_(std::move(count)) {}
  ~CountedConversation() override { count_->fetch_sub(1); }
  asio::awaitable<void> run(WsChannel& channel) override { co_await inner_->run(channel); }

 private:
  std::unique_ptr<WsConversation> inner_;
  std::shared_ptr<std::atomic<std::uint32_t>> count_;
};

}  // namespace

Upgrade App::upgrade(const Request& req) {
  const std::string_view path = path_of(req.target());
  std::string label;
  std::unique_ptr<LiveDialect> dialect;
  if (path == "/v1/run/ws") {
    dialect = v1_live_dialect();
    label = "/v1/run/ws";
  } else if (Facade* f = facade_for(path, &label)) {
    dialect = f->live_dialect(path);
  }
  auto refuse = [&](Response res) {
    metrics_.count_request(dialect ? label : "other", res.result_int());
    return Upgrade{std::move(res), nullptr};
  };
  if (!dialect) return refuse(api_error(req, 404, "not_found", "no WebSocket endpoint at " + std::string(path)));
  if (!interactive_.enabled)
    return refuse(api_error(req, 404, "not_found", "interactive runs are disabled ([interactive] enabled = false)"));
  if (req.method() != http::verb::get) return refuse(api_error(req, 405, "method_not_allowed", "a WebSocket upgrade is a GET"));
  auto g = core_.generation();
  Caller caller;
  if (auto refused = authenticate(req, *g, caller)) {
    logging::warning(refused->result_int() == 401 ? "unauthorized" : "rate_limited",
                     "GET " + std::string(path) + " refused: " + std::to_string(refused->result_int()),
                     {{"endpoint", label}, {"http_status", refused->result_int()}, {"key", caller.key}});
    return refuse(std::move(*refused));
  }
  const std::uint32_t max = interactive_.max_sessions ? interactive_.max_sessions : core_.slots().slots();
  if (live_sessions_->fetch_add(1) >= max) {
    live_sessions_->fetch_sub(1);
    return refuse(api_error(req, 503, "too_many_sessions",
                            "all " + std::to_string(max) + " interactive sessions are in use; retry later"));
  }
  metrics_.count_request(label, 101);
  Upgrade up;
  up.conversation = std::make_unique<CountedConversation>(
      live_conversation(core_, std::move(caller), std::move(dialect), interactive_), live_sessions_);
  up.max_message_bytes = interactive_.max_message_bytes;
  return up;
}

void App::add_facade(std::unique_ptr<Facade> facade) { facades_.push_back(std::move(facade)); }

Facade* App::facade_for(std::string_view path, std::string* label) const {
  for (const auto& f : facades_)
    if (auto l = f->route(path)) {
      if (label) *label = std::move(*l);
      return f.get();
    }
  return nullptr;
}

std::string App::endpoint_label(const Request& req) const {
  if (auto known = known_endpoint(req.target())) return *known;
  if (auto stats = stats_endpoint(path_of(req.target()))) return *stats;
  if (const auto path = path_of(req.target()); is_playground_path(path)) return path == "/" ? "/" : "/playground";
  std::string label = "other";
  facade_for(path_of(req.target()), &label);
  return label;
}

Response App::json(const Request& req, int status, std::string body) const { return json_reply(req, status, std::move(body)); }

Response App::api_error(const Request& req, int status, const std::string& code, const std::string& message) const {
  Response res = json(req, status, api::error_body({status, code, message}));
  if (status == 503 || status == 429) res.set(http::field::retry_after, "1");
  return res;
}

Response App::error(unsigned version, int status, const std::string& code, const std::string& message) {
  Request fake{http::verb::get, "/", version};
  metrics_.count_request("other", status);
  return api_error(fake, status, code, message);
}

Response App::unauthorized(const Request& req, bool presented) const {
  const service::Refusal r = service::Admission::unauthorized(presented);
  Response res = api_error(req, r.status, r.code, r.message);
  res.set(http::field::www_authenticate, "Bearer realm=\"runbox\"");
  return res;
}

namespace {
std::string_view header(const http::request_header<>& head, std::string_view name) {
  auto v = head[name];
  return {v.data(), v.size()};
}
}  // namespace

std::optional<Response> App::screen(const http::request_header<>& head, const Peer& peer) {
  auto g = core_.generation();
  const std::string target(head.target());
  Request req{head.method(), head.target(), head.version()};  // the answer's version
  auto refuse = [&](int status, const std::string& code, const std::string& message, json::object fields) {
    fields["endpoint"] = endpoint_label(req);
    fields["http_status"] = status;
    logging::warning(code, std::string(http::to_string(head.method())) + " " + target.substr(0, 200) +
                               " refused: " + std::to_string(status) + " " + code,
                     std::move(fields));
    metrics_.count_request(endpoint_label(req), status);
    return api_error(req, status, code, message);
  };
  if (auto origin = head.find(http::field::origin); origin != head.end()) {
    const std::string value(origin->value().substr(0, 200));
    // The playground's own fetches: same origin, and a Host that passes the DNS-rebinding
    // check (a rebinding page's Origin equals its Host too), unless keys guard every call.
    const std::string_view host = header(head, "Host");
    const bool own_page = g->config.playground.enabled && same_origin(origin->value(), host) &&
                          (g->keys || host_allowed(host, g->config.allowed_hosts));
    if (!own_page && !origin_allowed(origin->value(), g->config.allowed_origins))
      return refuse(403, "forbidden_origin",
                    "requests from the browser origin \"" + value +
                        "\" are not allowed (runboxd.toml allowed_origins lists the origins that are)",
                    {{"origin", value}});
  }
  if (!g->keys && !peer.unix_socket) {
    if (auto host = head.find(http::field::host); host != head.end() && !host_allowed(host->value(), g->config.allowed_hosts)) {
      const std::string value(host->value().substr(0, 200));
      return refuse(403, "forbidden_host",
                    "Host \"" + value + "\" does not name this server (use localhost or an IP address; "
                                       "runboxd.toml allowed_hosts lists other names)",
                    {{"host", value}});
    }
  }
  // The key is checked here, on the head: a client without one never gets its body read.
  // (Rate limits are taken with the whole request, in handle().) A preflight has no key.
  if (g->keys && !is_public(target, g->config) && head.method() != http::verb::options) {
    bool presented = false;
    if (!core_.admission().key_valid(*g, header(head, "Authorization"), header(head, "X-API-Key"), &presented)) {
      logging::warning("unauthorized", std::string(http::to_string(head.method())) + " " + target.substr(0, 200) +
                                           " refused: 401",
                       {{"endpoint", endpoint_label(req)}, {"http_status", 401}, {"key", "anonymous"}});
      metrics_.count_request(endpoint_label(req), 401);
      return unauthorized(req, presented);
    }
  }
  return std::nullopt;
}

std::optional<Response> App::authenticate(const Request& req, const Generation& g, Caller& caller) {
  auto refused = core_.admission().admit(g, header(req.base(), "Authorization"), header(req.base(), "X-API-Key"), caller);
  if (!refused) return std::nullopt;
  Response res = api_error(req, refused->status, refused->code, refused->message);
  if (refused->status == 401) res.set(http::field::www_authenticate, "Bearer realm=\"runbox\"");
  if (refused->retry_after_s) res.set(http::field::retry_after, std::to_string(*refused->retry_after_s));
  return res;
}

asio::awaitable<Response> App::handle(Request req, RequestContext ctx) {
  const std::string target(req.target());
  const auto method = req.method();
  auto g = core_.generation();
  Response res;
  Caller caller;
  auto only = [&](http::verb allowed) {
    if (method == allowed) return true;
    res = api_error(req, 405, "method_not_allowed",
                    std::string(http::to_string(allowed)) + " is the only method for " + target);
    res.set(http::field::allow, http::to_string(allowed));
    return false;
  };
  // Only origins in allowed_origins get here with an Origin header (screen() refused the rest).
  const std::string origin(req[http::field::origin]);
  if (method == http::verb::options && !origin.empty()) {  // a CORS preflight
    res = Response{http::status::no_content, req.version()};
    res.keep_alive(req.keep_alive());
    res.set(http::field::access_control_allow_methods, "GET, POST");
    res.set(http::field::access_control_allow_headers, "Authorization, X-API-Key, Content-Type");
    res.set(http::field::access_control_max_age, "600");
    res.set(http::field::access_control_allow_origin, origin);
    res.set(http::field::vary, "Origin");
    metrics_.count_request(endpoint_label(req), 204);
    co_return res;
  }
  std::optional<Response> refused = is_public(target, g->config) ? std::nullopt : authenticate(req, *g, caller);
  if (refused) {
    res = std::move(*refused);
    logging::warning(res.result_int() == 401 ? "unauthorized" : "rate_limited",
                     std::string(http::to_string(method)) + " " + target + " refused: " + std::to_string(res.result_int()),
                     {{"endpoint", endpoint_label(req)}, {"http_status", res.result_int()}, {"key", caller.key}});
  } else if (target == "/v1/run") {
    if (only(http::verb::post)) res = co_await post_run(req, ctx, caller);
  } else if (target == "/v1/run/ws") {
    res = api_error(req, 426, "upgrade_required", "/v1/run/ws is a WebSocket endpoint: send a GET with Upgrade: websocket");
    res.set(http::field::upgrade, "websocket");
  } else if (target == "/v1/runtimes") {
    if (only(http::verb::get)) res = get_runtimes(req, *g);
  } else if (target == "/healthz") {
    if (only(http::verb::get)) res = json(req, 200, R"({"status":"ok"})");
  } else if (target == "/readyz") {
    if (only(http::verb::get)) res = get_readyz(req);
  } else if (target == "/health") {
    if (only(http::verb::get)) res = get_health(req);
  } else if (target == "/metrics") {
    if (only(http::verb::get)) res = get_metrics(req);
  } else if (stats_endpoint(path_of(target))) {
    if (only(http::verb::get)) res = stats_reply(req, caller, core_.stats());
  } else if (Facade* facade = facade_for(path_of(target))) {
    res = co_await facade->handle(req, ctx, caller);
  } else if (auto page = serve_playground(req, g->config.playground)) {
    res = std::move(*page);
  } else {
    res = api_error(req, 404, "not_found", "no such endpoint: " + target);
  }
  metrics_.count_request(endpoint_label(req), res.result_int());
  if (!origin.empty()) {
    res.set(http::field::access_control_allow_origin, origin);
    res.set(http::field::vary, "Origin");
  }
  co_return res;
}

Response App::get_runtimes(const Request& req, const Generation& g) {
  json::array list;
  for (const auto& v : core_.runtimes(g)) {
    const auto& s = *v.state;
    json::object o;
    o["name"] = s.def.name;
    json::array aliases;
    for (const auto& a : s.def.aliases) aliases.push_back(json::string(a));
    o["aliases"] = std::move(aliases);
    o["version"] = s.version ? json::value(*s.version) : json::value(nullptr);
    o["compiled"] = s.def.has_compile();
    o["backend"] = v.backend;
    if (v.problem) o["error"] = *v.problem;
    list.push_back(std::move(o));
  }
  return json(req, 200, json::serialize(list));
}

Response App::get_readyz(const Request& req) {
  auto g = core_.generation();
  json::object o;
  const bool is_ready = ready();
  o["ready"] = is_ready;
  o["draining"] = core_.draining();
  o["sandbox"] = g->catalog->sandbox_error() ? json::value(*g->catalog->sandbox_error()) : json::value("ok");
  auto docker_problem = core_.docker().unavailable();
  o["docker"] = docker_problem ? json::value(*docker_problem) : json::value("ok");
  o["generation"] = g->number;
  json::object runtimes;
  for (const auto& v : core_.runtimes(*g)) runtimes[v.state->def.name] = v.problem ? *v.problem : std::string("ready");
  o["runtimes"] = std::move(runtimes);
  Response res = json(req, is_ready ? 200 : 503, json::serialize(o));
  if (!is_ready) res.set(http::field::retry_after, "5");
  return res;
}

Response App::get_health(const Request& req) {
  // Readiness in the seeds' words: ready with every runtime runnable "ok", ready without some
  // "degraded", not ready "unavailable" (503, as /readyz).
  const bool is_ready = ready();
  bool all = true;
  for (const auto& v : core_.runtimes(*core_.generation())) all = all && (!v.problem || v.image_not_pulled);
  const char* status = !is_ready ? "unavailable" : all ? "ok" : "degraded";
  Response res = json(req, is_ready ? 200 : 503, json::serialize(json::object{{"status", status}, {"version", RUNBOX_VERSION}}));
  if (!is_ready) res.set(http::field::retry_after, "5");
  return res;
}

Response App::get_metrics(const Request& req) const {
  metrics_.set_slots(core_.slots().busy(), core_.slots().queued());
  Response res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/plain; version=0.0.4");
  res.keep_alive(req.keep_alive());
  res.body() = metrics_.render();
  return res;
}

asio::awaitable<Response> App::post_run(const Request& req, RequestContext ctx, const Caller& caller) {
  auto g = core_.generation();  // this run's files, to its end
  service::RunRecord record(caller);
  auto refuse = [&](const service::Refusal& r) {
    record.refused(r);
    return api_error(req, r.status, r.code, r.message);
  };
  auto parsed = api::parse_run_request(req.body(), service::parse_limits(*g, caller));
  if (auto* e = std::get_if<api::ApiError>(&parsed)) co_return refuse({e->status, e->code, e->message});
  auto planned = core_.plan(std::move(g), caller, std::move(std::get<api::RunRequest>(parsed)), record);
  if (auto* r = std::get_if<service::Refusal>(&planned)) co_return refuse(*r);
  auto plan = std::make_shared<const service::RunPlan>(std::move(std::get<service::RunPlan>(planned)));
  const api::Encoding encoding = plan->request->encoding;

  std::optional<service::RunOutcome> done = co_await execute_on_slot(core_, plan, ctx.cancel_fd);
  if (!done) co_return refuse(service::RunService::overloaded());
  record.finished(*plan, *done, metrics_);
  api::RunResponse response = service::run_response(record.id(), *plan, std::move(done->job));
  plan.reset();  // its inputs are not needed any more: free them before the answer grows
  Response res = json(req, 200, api::response_text(std::move(response), encoding));
  res.set("X-Request-Id", record.id());
  co_return res;
}

}  // namespace runbox::server
