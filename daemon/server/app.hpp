#pragma once
// runboxd's request handler: routes, authentication and rate limits, the run endpoint (validate
// → resolve runtime → choose the backend → merge limits → queue on a slot → run the job →
// answer and log), runtimes, health, readiness and metrics. It sees requests and responses
// only; sockets are the session's business. Each request works on the generation of files in
// force when it arrived (service/generation.hpp), so a reload never changes a run midway.
#include <atomic>
#include <memory>
#include <string_view>
#include <vector>

#include "config/interactive_config.hpp"
#include "server/facade.hpp"
#include "server/http_types.hpp"
#include "service/caller.hpp"
#include "service/run_service.hpp"

namespace runbox::server {

class App final : public Handler {
 public:
  App(service::RunService& core, config::InteractiveConfig interactive = {});
  // Before serving: another system's API on the same listeners, behind the same screening,
  // keys and rate limits (server/facade.hpp).
  void add_facade(std::unique_ptr<Facade> facade);

  std::optional<Response> screen(const http::request_header<>& head, const Peer& peer) override;
  boost::asio::awaitable<Response> handle(Request req, RequestContext ctx) override;
  Response error(unsigned version, int status, const std::string& code, const std::string& message) override;
  // GET /v1/run/ws and the facades' WebSocket endpoints: admitted and rate-limited as a run,
  // at most [interactive] max_sessions at once.
  Upgrade upgrade(const Request& req) override;

  // Ready: not draining, the native sandbox's self-check passed, and some runtime can run.
  bool ready() { return core_.ready(); }
  // SIGTERM: /readyz turns 503 (leave_rotation, for [drain] delay_s first); then new runs get
  // 503; running ones finish or are cancelled.
  void leave_rotation() { core_.leave_rotation(); }
  void start_draining() { core_.start_draining(); }
  void cancel_all_runs() { core_.cancel_all_runs(); }

 private:
  using Caller = service::Caller;
  using Generation = service::Generation;
  boost::asio::awaitable<Response> post_run(const Request& req, RequestContext ctx, const Caller& caller);
  Response get_runtimes(const Request& req, const Generation& g);
  Response get_readyz(const Request& req);
  Response get_health(const Request& req);
  Response get_metrics(const Request& req) const;
  Response json(const Request& req, int status, std::string body) const;
  Response api_error(const Request& req, int status, const std::string& code, const std::string& message) const;
  // nullopt: the caller may go on (as *caller); else the 401/429 answer.
  std::optional<Response> authenticate(const Request& req, const Generation& g, Caller& caller);
  Response unauthorized(const Request& req, bool presented) const;

  Facade* facade_for(std::string_view path, std::string* label = nullptr) const;
  std::string endpoint_label(const Request& req) const;  // the metrics' label

  service::RunService& core_;
  service::Metrics& metrics_;
  std::vector<std::unique_ptr<Facade>> facades_;
  config::InteractiveConfig interactive_;
  std::shared_ptr<std::atomic<std::uint32_t>> live_sessions_ = std::make_shared<std::atomic<std::uint32_t>>(0);
};

}  // namespace runbox::server
