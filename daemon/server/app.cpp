#include "server/app.hpp"

#include <sys/random.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>

#include "api/error_body.hpp"
#include "log/logger.hpp"
#include "server/request_screen.hpp"
#include "server/backend_choice.hpp"
#include "api/parse_run_request.hpp"
#include "api/response_json.hpp"
#include "backend/backend.hpp"
#include "config/effective_limits.hpp"
#include "job/job.hpp"

namespace runbox::server {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

std::string new_run_id() {
  unsigned char bytes[16];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) throw std::runtime_error("getrandom");
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) id += {hex[b >> 4], hex[b & 15]};
  return id;
}

// Runs fn on a slot; nullopt when the queue is full. The awaiting coroutine resumes on its own
// executor when the job is done; no I/O thread ever blocks on a sandbox. (Callables are named
// locals, not temporaries in the co_await expression: GCC 12 mis-destroys those.)
template <class T>
asio::awaitable<std::optional<T>> on_slot(SlotPool& pool, std::function<T(unsigned)> fn) {
  auto exec = co_await asio::this_coro::executor;
  auto initiation = [&pool, fn = std::move(fn), exec](auto handler) mutable {
    auto h = std::make_shared<decltype(handler)>(std::move(handler));
    bool queued = pool.try_submit([h, fn, exec](unsigned slot) mutable {
      std::optional<T> result;
      try {
        result = fn(slot);
      } catch (...) {
        // fn reports its own failures in T; this only guards the slot thread.
      }
      asio::post(exec, [h, r = std::move(result)]() mutable { (*h)(std::move(r)); });
    });
    if (!queued) asio::post(exec, [h]() mutable { (*h)(std::optional<T>{}); });
  };
  std::optional<T> result =
      co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::optional<T>)>(std::move(initiation),
                                                                                         asio::use_awaitable);
  co_return result;
}

std::string endpoint_label(const Request& req) {
  std::string_view t = req.target();
  for (const char* known : {"/v1/run", "/v1/runtimes", "/healthz", "/readyz", "/metrics"})
    if (t == known) return known;
  return "other";
}


bool is_public(const std::string& target) { return target == "/healthz" || target == "/readyz" || target == "/metrics"; }

std::string final_status(const job::JobOutcome& o) {
  if (o.cancelled) return "cancelled";  // the client went away (or a drain gave up on it)
  if (o.compile && o.compile->status != "ok") return o.compile->status;
  if (o.run) return o.run->status;
  return "judged";
}

// Totals over the stages of a job, for the request's log line.
struct JobTotals {
  std::uint64_t cpu_ms = 0, wall_ms = 0, memory_kb = 0;
};
JobTotals totals(const job::JobOutcome& o) {
  JobTotals t;
  auto add = [&](const api::Stage& s) {
    t.cpu_ms += s.cpu_ms;
    t.wall_ms += s.wall_ms;
    t.memory_kb = std::max(t.memory_kb, s.memory_kb);
  };
  if (o.compile) add(*o.compile);
  if (o.run) add(*o.run);
  if (o.tests)
    for (const auto& s : *o.tests) add(s);
  return t;
}

template <class F>
void for_each_stage(const job::JobOutcome& o, F f) {
  if (o.compile) f(*o.compile);
  if (o.run) f(*o.run);
  if (o.tests)
    for (const auto& s : *o.tests) f(s);
}

// What a slot hands back: the job's outcome and how long it waited for the slot.
struct SlotResult {
  job::JobOutcome outcome;
  double queue_wait_s = 0;
};

}  // namespace

struct App::Caller {
  std::string key = "anonymous";  // the key's name; "anonymous" without a keys file
  std::string tier = "default";
};

App::App(GenerationStore& generations, SlotPool& slots, Metrics& metrics, DockerEngine& docker)
    : generations_(generations), slots_(slots), metrics_(metrics), docker_(docker) {}

Response App::json(const Request& req, int status, std::string body) const {
  Response res{static_cast<http::status>(status), req.version()};
  res.set(http::field::content_type, "application/json");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  return res;
}

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

const auth::ApiKey* App::presented_api_key(const http::request_header<>& head, const Generation& g,
                                           bool* presented) const {
  auto header = [&](std::string_view name) {
    auto v = head[name];
    return std::string_view(v.data(), v.size());
  };
  auto key_text = auth::presented_key(header("Authorization"), header("X-API-Key"));
  *presented = key_text.has_value();
  return key_text && g.keys ? g.keys->find(*key_text) : nullptr;
}

Response App::unauthorized(const Request& req, bool presented) const {
  Response res = api_error(req, 401, "unauthorized",
                           presented ? "the API key is not valid"
                                     : "an API key is required: \"Authorization: Bearer <key>\" or \"X-API-Key: <key>\"");
  res.set(http::field::www_authenticate, "Bearer realm=\"runbox\"");
  return res;
}

std::optional<Response> App::screen(const http::request_header<>& head, const Peer& peer) {
  auto g = generations_.current();
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
    if (!origin_allowed(origin->value(), g->config.allowed_origins))
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
  if (g->keys && !is_public(target) && head.method() != http::verb::options) {
    bool presented = false;
    if (!presented_api_key(head, *g, &presented)) {
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
  if (!g.keys) return std::nullopt;
  bool presented = false;
  const auth::ApiKey* key = presented_api_key(req.base(), g, &presented);
  if (!key) return unauthorized(req, presented);
  caller.key = key->name;
  caller.tier = key->tier;
  if (auto retry = limiter_.take(key->name, key->rate, key->burst)) {
    metrics_.count_rate_limited(key->name);
    Response res = api_error(req, 429, "rate_limited",
                             "key \"" + key->name + "\" is over its rate of " + std::to_string(key->rate).substr(0, 6) +
                                 " requests/s (burst " + std::to_string(static_cast<long>(key->burst)) + "); retry later");
    res.set(http::field::retry_after, std::to_string(*retry));
    return res;
  }
  return std::nullopt;
}

asio::awaitable<Response> App::handle(Request req, RequestContext ctx) {
  const std::string target(req.target());
  const auto method = req.method();
  auto g = generations_.current();
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
  std::optional<Response> refused = is_public(target) ? std::nullopt : authenticate(req, *g, caller);
  if (refused) {
    res = std::move(*refused);
    logging::warning(res.result_int() == 401 ? "unauthorized" : "rate_limited",
                     std::string(http::to_string(method)) + " " + target + " refused: " + std::to_string(res.result_int()),
                     {{"endpoint", endpoint_label(req)}, {"http_status", res.result_int()}, {"key", caller.key}});
  } else if (target == "/v1/run") {
    if (only(http::verb::post)) res = co_await post_run(req, ctx, caller);
  } else if (target == "/v1/runtimes") {
    if (only(http::verb::get)) res = get_runtimes(req, *g);
  } else if (target == "/healthz") {
    if (only(http::verb::get)) res = json(req, 200, R"({"status":"ok"})");
  } else if (target == "/readyz") {
    if (only(http::verb::get)) res = get_readyz(req);
  } else if (target == "/metrics") {
    if (only(http::verb::get)) res = get_metrics(req);
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

std::optional<std::string> App::runtime_problem(const Generation& g, const RuntimeState& rt) {
  BackendChoice c = choose_backend(g.default_tier().policy, rt, g.catalog->sandbox_error());
  if (c.refusal) return c.refusal;
  if (c.backend == "docker") {
    if (auto why = docker_.unavailable()) return "docker backend: " + *why;
    if (auto why = docker_.missing_runtime(c.oci_runtime)) return *why;
  }
  return std::nullopt;
}

Response App::get_runtimes(const Request& req, const Generation& g) {
  json::array list;
  for (const auto& s : g.catalog->all()) {
    json::object o;
    o["name"] = s.def.name;
    json::array aliases;
    for (const auto& a : s.def.aliases) aliases.push_back(json::string(a));
    o["aliases"] = std::move(aliases);
    o["version"] = s.version ? json::value(*s.version) : json::value(nullptr);
    o["compiled"] = s.def.has_compile();
    o["backend"] = choose_backend(g.default_tier().policy, s, g.catalog->sandbox_error()).backend;
    if (auto problem = runtime_problem(g, s)) o["error"] = *problem;
    list.push_back(std::move(o));
  }
  return json(req, 200, json::serialize(list));
}

bool App::ready() {
  if (draining_) return false;
  auto g = generations_.current();
  if (g->catalog->sandbox_error()) return false;
  for (const auto& s : g->catalog->all())
    if (!runtime_problem(*g, s)) return true;
  return false;
}

Response App::get_readyz(const Request& req) {
  auto g = generations_.current();
  json::object o;
  const bool is_ready = ready();
  o["ready"] = is_ready;
  o["draining"] = draining_.load();
  o["sandbox"] = g->catalog->sandbox_error() ? json::value(*g->catalog->sandbox_error()) : json::value("ok");
  auto docker_problem = docker_.unavailable();
  o["docker"] = docker_problem ? json::value(*docker_problem) : json::value("ok");
  o["generation"] = g->number;
  json::object runtimes;
  for (const auto& s : g->catalog->all()) {
    auto problem = runtime_problem(*g, s);
    runtimes[s.def.name] = problem ? *problem : std::string("ready");
  }
  o["runtimes"] = std::move(runtimes);
  Response res = json(req, is_ready ? 200 : 503, json::serialize(o));
  if (!is_ready) res.set(http::field::retry_after, "5");
  return res;
}

Response App::get_metrics(const Request& req) const {
  metrics_.set_slots(slots_.busy(), slots_.queued());
  Response res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/plain; version=0.0.4");
  res.keep_alive(req.keep_alive());
  res.body() = metrics_.render();
  return res;
}

void App::cancel_all_runs() {
  std::lock_guard lock(cancel_mu_);
  std::uint64_t one = 1;
  for (int fd : active_cancel_fds_) (void)!::write(fd, &one, sizeof one);
}

asio::awaitable<Response> App::post_run(const Request& req, RequestContext ctx, const Caller& caller) {
  const auto started = std::chrono::steady_clock::now();
  const std::string id = new_run_id();
  auto g = generations_.current();  // this run's files, to its end
  json::object log_fields{{"id", id}, {"key", caller.key}, {"key_name", caller.key}, {"tier", caller.tier}};
  auto refuse = [&](int status, const std::string& code, const std::string& message) {
    log_fields["status"] = code;  // the error code stands where a run's status would
    log_fields["http_status"] = status;
    log_fields["error"] = code;
    logging::info("request", "run " + id + " refused: " + std::to_string(status) + " " + code, log_fields);
    return api_error(req, status, code, message);
  };

  const Tier& tier = g->tiers.at(caller.tier);
  api::ParseLimits parse_limits;
  parse_limits.max_tests = tier.policy.request.max_tests;
  auto parsed = api::parse_run_request(req.body(), parse_limits);
  if (auto* e = std::get_if<api::ApiError>(&parsed)) co_return refuse(e->status, e->code, e->message);
  auto run_req = std::make_shared<api::RunRequest>(std::move(std::get<api::RunRequest>(parsed)));
  log_fields["runtime"] = run_req->runtime;

  const RuntimeState* rt = g->catalog->find(run_req->runtime);
  if (!rt) co_return refuse(404, "unknown_runtime", "no runtime named '" + run_req->runtime + "' (GET /v1/runtimes lists them)");
  log_fields["runtime"] = rt->def.name;
  BackendChoice choice = choose_backend(tier.policy, *rt, g->catalog->sandbox_error());
  log_fields["backend"] = choice.backend;
  if (choice.refusal) co_return refuse(503, "runtime_unavailable", *choice.refusal);
  if (choice.backend == "docker") {
    if (auto why = docker_.unavailable())
      co_return refuse(503, "runtime_unavailable", rt->def.name + " runs on the docker backend, which is unavailable: " + *why);
    if (auto why = docker_.missing_runtime(choice.oci_runtime)) co_return refuse(503, "runtime_unavailable", *why);
  }
  if (draining_) co_return refuse(503, "overloaded", "runboxd is shutting down");

  auto plan = std::make_shared<job::JobPlan>();
  plan->rootfs = rt->rootfs;
  plan->env = rt->def.env;
  plan->source_file = rt->def.source_file;
  plan->seccomp = tier.seccomp;
  auto bounds = config::stage_bounds(tier.policy, rt->def, config::Stage::run);
  plan->box_mb = bounds.defaults.box_mb;
  plan->output_budget_bytes = sandbox::mib(tier.policy.request.max_answer_output_mb);
  auto run_limits = config::effective_limits(tier.policy, rt->def, config::Stage::run, run_req->limits);
  if (auto* refusal = std::get_if<config::LimitRefusal>(&run_limits))
    co_return refuse(422, std::string(config::error_code(refusal->kind)), refusal->message);
  plan->run = {config::expand_placeholders(rt->def.run, std::get<sandbox::Limits>(run_limits)),
               std::get<sandbox::Limits>(run_limits)};
  if (rt->def.has_compile()) {
    auto compile_limits = config::effective_limits(tier.policy, rt->def, config::Stage::compile, run_req->compile_limits);
    if (auto* refusal = std::get_if<config::LimitRefusal>(&compile_limits))
      co_return refuse(422, std::string(config::error_code(refusal->kind)), refusal->message);
    plan->compile = job::StagePlan{config::expand_placeholders(*rt->def.compile, std::get<sandbox::Limits>(compile_limits)),
                                   std::get<sandbox::Limits>(compile_limits)};
  }

  {
    std::lock_guard lock(cancel_mu_);
    active_cancel_fds_.insert(ctx.cancel_fd);
  }
  const std::uint32_t uid_first = tier.policy.uid_first;
  const auto submitted = std::chrono::steady_clock::now();
  DockerEngine* docker = &docker_;
  std::function<SlotResult(unsigned)> work = [plan, run_req, uid_first, ctx, submitted, choice, g, rt, &tier,
                                              docker](unsigned slot) {
    SlotResult r;
    r.queue_wait_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - submitted).count();
    job::JobPlan p = *plan;
    if (choice.backend == "docker") {
      // Containers are apart by their own namespaces; the image's nobody owns /box there.
      p.uid = p.gid = 65534;
      auto backend = docker->backend(rt->docker_image, choice.oci_runtime, tier.docker_seccomp_json);
      r.outcome = job::run_job(p, *run_req, *backend, ctx.cancel_fd);
      // The engine may be gone: ask it now, so the next request already gets 503, not a try.
      bool engine_failed = false;
      for_each_stage(r.outcome, [&](const api::Stage& s) { engine_failed |= s.internal_cause == "docker"; });
      if (engine_failed) docker->check_now();
    } else {
      p.uid = p.gid = uid_first + slot;  // one uid per slot: concurrent runs never share one
      backend::NativeBackend native;
      r.outcome = job::run_job(p, *run_req, native, ctx.cancel_fd);
    }
    return r;
  };
  std::optional<SlotResult> done = co_await on_slot<SlotResult>(slots_, std::move(work));
  {
    std::lock_guard lock(cancel_mu_);
    active_cancel_fds_.erase(ctx.cancel_fd);
  }
  if (!done) co_return refuse(503, "overloaded", "all slots are busy and the queue is full; retry later");

  job::JobOutcome& outcome = done->outcome;
  const std::string status = final_status(outcome);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics_.count_run(rt->def.name, choice.backend, status, seconds, done->queue_wait_s);
  metrics_.count_stages(choice.backend, outcome.stages_run);
  for_each_stage(outcome, [&](const api::Stage& s) {
    // A cancelled stage is no failure to build a sandbox: the run's status says "cancelled".
    if (s.status != "internal_error" || s.internal_cause == "cancelled") return;
    const std::string cause = s.internal_cause.empty() ? "unknown" : s.internal_cause;
    metrics_.count_setup_failure(choice.backend, cause);
    // An internal_error's stderr is runbox's own message (never the program's output).
    logging::error("run_failed", "run " + id + ": " + choice.backend + " could not run it: " + s.stderr_data.substr(0, 500),
                   {{"id", id}, {"runtime", rt->def.name}, {"backend", choice.backend}, {"cause", cause}});
  });
  JobTotals t = totals(outcome);
  log_fields["status"] = status;  // the run's: ok, time_limit, ..., compile_error, judged
  log_fields["http_status"] = 200;
  log_fields["cpu_ms"] = t.cpu_ms;
  log_fields["wall_ms"] = t.wall_ms;
  log_fields["memory_kb"] = t.memory_kb;
  log_fields["queue_wait_ms"] = static_cast<std::uint64_t>(done->queue_wait_s * 1000);
  log_fields["duration_ms"] = static_cast<std::uint64_t>(seconds * 1000);
  if (choice.why != "runtime") log_fields["backend_reason"] = choice.why;
  if (outcome.tests) log_fields["tests"] = outcome.tests->size();
  log_fields["stages_run"] = outcome.stages_run;
  logging::info("request", "run " + id + " " + rt->def.name + " on " + choice.backend + ": " + status, log_fields);

  api::RunResponse response;
  response.id = id;
  response.runtime = rt->def.name;
  response.version = rt->version;
  response.backend = choice.backend;
  response.compile = std::move(outcome.compile);
  response.run = std::move(outcome.run);
  response.tests = std::move(outcome.tests);
  const api::Encoding encoding = run_req->encoding;
  run_req.reset();  // its inputs are not needed any more: free them before the answer grows
  Response res = json(req, 200, api::response_text(std::move(response), encoding));
  res.set("X-Request-Id", id);
  co_return res;
}

}  // namespace runbox::server
