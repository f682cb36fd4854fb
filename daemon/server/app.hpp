#pragma once
// runboxd's request handler: routes, authentication and rate limits, the run endpoint (validate
// → resolve runtime → choose the backend → merge limits → queue on a slot → run the job →
// answer and log), runtimes, health, readiness and metrics. It sees requests and responses
// only; sockets are the session's business. Each request works on the generation of files in
// force when it arrived (server/generation.hpp), so a reload never changes a run midway.
#include <atomic>
#include <memory>
#include <mutex>
#include <set>

#include "auth/rate_limiter.hpp"
#include "server/docker_engine.hpp"
#include "server/generation.hpp"
#include "server/http_types.hpp"
#include "server/metrics.hpp"
#include "server/slot_pool.hpp"

namespace runbox::server {

class App final : public Handler {
 public:
  App(GenerationStore& generations, SlotPool& slots, Metrics& metrics, DockerEngine& docker);

  std::optional<Response> screen(const http::request_header<>& head, const Peer& peer) override;
  boost::asio::awaitable<Response> handle(Request req, RequestContext ctx) override;
  Response error(unsigned version, int status, const std::string& code, const std::string& message) override;

  // Ready: not draining, the native sandbox's self-check passed, and some runtime can run.
  bool ready();
  // SIGTERM: /readyz turns 503; new runs get 503; running ones finish or are cancelled.
  void start_draining() { draining_ = true; }
  void cancel_all_runs();

 private:
  struct Caller;
  boost::asio::awaitable<Response> post_run(const Request& req, RequestContext ctx, const Caller& caller);
  Response get_runtimes(const Request& req, const Generation& g);
  Response get_readyz(const Request& req);
  Response get_metrics(const Request& req) const;
  Response json(const Request& req, int status, std::string body) const;
  Response api_error(const Request& req, int status, const std::string& code, const std::string& message) const;
  // nullopt: the caller may go on (as *caller); else the 401/429 answer.
  std::optional<Response> authenticate(const Request& req, const Generation& g, Caller& caller);
  // The key a request head presents, if it is one of g's; *presented says whether any was.
  const auth::ApiKey* presented_api_key(const http::request_header<>& head, const Generation& g, bool* presented) const;
  Response unauthorized(const Request& req, bool presented) const;
  // Whether the runtime can run now under its default tier, and why not.
  std::optional<std::string> runtime_problem(const Generation& g, const RuntimeState& rt);

  GenerationStore& generations_;
  SlotPool& slots_;
  Metrics& metrics_;
  DockerEngine& docker_;
  auth::RateLimiter limiter_;
  std::atomic<bool> draining_{false};
  std::mutex cancel_mu_;
  std::set<int> active_cancel_fds_;
};

}  // namespace runbox::server
