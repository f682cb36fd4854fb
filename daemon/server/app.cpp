#include "server/app.hpp"

#include <sys/random.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>

#include "api/error_body.hpp"
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
// executor when the job is done; no I/O thread ever blocks on a sandbox.
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

}  // namespace

App::App(const config::Policy& policy, std::shared_ptr<const sandbox::SeccompProgram> seccomp,
         const RuntimeCatalog& catalog, SlotPool& slots, Metrics& metrics)
    : policy_(policy), seccomp_(std::move(seccomp)), catalog_(catalog), slots_(slots), metrics_(metrics) {}

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

asio::awaitable<Response> App::handle(Request req, RequestContext ctx) {
  const std::string target(req.target());
  const auto method = req.method();
  Response res;
  auto only = [&](http::verb allowed) {
    if (method == allowed) return true;
    res = api_error(req, 405, "method_not_allowed",
                    std::string(http::to_string(allowed)) + " is the only method for " + target);
    res.set(http::field::allow, http::to_string(allowed));
    return false;
  };
  if (target == "/v1/run") {
    if (only(http::verb::post)) res = co_await post_run(req, ctx);
  } else if (target == "/v1/runtimes") {
    if (only(http::verb::get)) res = get_runtimes(req);
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
  co_return res;
}

Response App::get_runtimes(const Request& req) const {
  json::array list;
  for (const auto& s : catalog_.all()) {
    json::object o;
    o["name"] = s.def.name;
    json::array aliases;
    for (const auto& a : s.def.aliases) aliases.push_back(json::string(a));
    o["aliases"] = std::move(aliases);
    o["version"] = s.version ? json::value(*s.version) : json::value(nullptr);
    o["compiled"] = s.def.has_compile();
    o["backend"] = "native";
    if (s.error) o["error"] = *s.error;
    list.push_back(std::move(o));
  }
  return json(req, 200, json::serialize(list));
}

Response App::get_readyz(const Request& req) const {
  json::object o;
  o["ready"] = ready();
  o["draining"] = draining_.load();
  json::object runtimes;
  for (const auto& s : catalog_.all()) runtimes[s.def.name] = s.error ? *s.error : std::string("ready");
  o["runtimes"] = std::move(runtimes);
  Response res = json(req, ready() ? 200 : 503, json::serialize(o));
  if (!ready()) res.set(http::field::retry_after, "5");
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

asio::awaitable<Response> App::post_run(const Request& req, RequestContext ctx) {
  const auto started = std::chrono::steady_clock::now();
  auto parsed = api::parse_run_request(req.body());
  if (auto* e = std::get_if<api::ApiError>(&parsed)) co_return api_error(req, e->status, e->code, e->message);
  auto run_req = std::make_shared<api::RunRequest>(std::move(std::get<api::RunRequest>(parsed)));

  const RuntimeState* rt = catalog_.find(run_req->runtime);
  if (!rt) co_return api_error(req, 404, "unknown_runtime", "no runtime named '" + run_req->runtime + "' (GET /v1/runtimes lists them)");
  if (!rt->ready()) co_return api_error(req, 503, "runtime_unavailable", rt->def.name + " is unavailable: " + *rt->error);
  if (draining_) co_return api_error(req, 503, "overloaded", "runboxd is shutting down");

  auto plan = std::make_shared<job::JobPlan>();
  plan->rootfs = rt->rootfs;
  plan->env = rt->def.env;
  plan->source_file = rt->def.source_file;
  plan->seccomp = seccomp_;
  auto bounds = config::stage_bounds(policy_, rt->def, config::Stage::run);
  plan->box_mb = bounds.defaults.box_mb;
  auto run_limits = config::effective_limits(policy_, rt->def, config::Stage::run, run_req->limits);
  if (auto* refusal = std::get_if<config::LimitRefusal>(&run_limits))
    co_return api_error(req, 422, "limit_exceeds_policy", refusal->message);
  plan->run = {config::expand_placeholders(rt->def.run, std::get<sandbox::Limits>(run_limits)),
               std::get<sandbox::Limits>(run_limits)};
  if (rt->def.has_compile()) {
    auto compile_limits = config::effective_limits(policy_, rt->def, config::Stage::compile, run_req->compile_limits);
    if (auto* refusal = std::get_if<config::LimitRefusal>(&compile_limits))
      co_return api_error(req, 422, "limit_exceeds_policy", refusal->message);
    plan->compile = job::StagePlan{config::expand_placeholders(*rt->def.compile, std::get<sandbox::Limits>(compile_limits)),
                                   std::get<sandbox::Limits>(compile_limits)};
  }

  {
    std::lock_guard lock(cancel_mu_);
    active_cancel_fds_.insert(ctx.cancel_fd);
  }
  const std::uint32_t uid_first = policy_.uid_first;
  std::function<job::JobOutcome(unsigned)> work = [plan, run_req, uid_first, ctx](unsigned slot) {
    job::JobPlan p = *plan;
    p.uid = p.gid = uid_first + slot;  // one uid per slot: concurrent runs never share one
    backend::NativeBackend native;
    return job::run_job(p, *run_req, native, ctx.cancel_fd);
  };
  std::optional<job::JobOutcome> outcome = co_await on_slot<job::JobOutcome>(slots_, std::move(work));
  {
    std::lock_guard lock(cancel_mu_);
    active_cancel_fds_.erase(ctx.cancel_fd);
  }
  if (!outcome) co_return api_error(req, 503, "overloaded", "all slots are busy and the queue is full; retry later");

  api::RunResponse response;
  response.id = new_run_id();
  response.runtime = rt->def.name;
  response.version = rt->version;
  response.backend = "native";
  response.compile = std::move(outcome->compile);
  response.run = std::move(outcome->run);
  response.tests = std::move(outcome->tests);
  std::string final_status = response.compile && response.compile->status != "ok" ? response.compile->status
                             : response.run                                         ? response.run->status
                                                                                    : "judged";
  metrics_.count_run(rt->def.name, "native", final_status,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return json(req, 200, json::serialize(api::response_to_json(response, run_req->encoding)));
}

}  // namespace runbox::server
