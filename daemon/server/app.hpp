#pragma once
// runboxd's request handler: routes, the run endpoint (validate → resolve runtime → merge limits
// → queue on a slot → run the job → answer), runtimes, health, readiness and metrics. It sees
// requests and responses only; sockets are the session's business.
#include <atomic>
#include <memory>
#include <mutex>
#include <set>

#include "config/policy.hpp"
#include "server/http_types.hpp"
#include "server/metrics.hpp"
#include "server/runtime_catalog.hpp"
#include "server/slot_pool.hpp"

namespace runbox::server {

class App final : public Handler {
 public:
  App(const config::Policy& policy, std::shared_ptr<const sandbox::SeccompProgram> seccomp,
      const RuntimeCatalog& catalog, SlotPool& slots, Metrics& metrics);

  boost::asio::awaitable<Response> handle(Request req, RequestContext ctx) override;
  Response error(unsigned version, int status, const std::string& code, const std::string& message) override;

  bool ready() const { return !draining_ && catalog_.ready_count() > 0; }
  // SIGTERM: /readyz turns 503; new runs get 503; running ones finish or are cancelled.
  void start_draining() { draining_ = true; }
  void cancel_all_runs();

 private:
  boost::asio::awaitable<Response> post_run(const Request& req, RequestContext ctx);
  Response get_runtimes(const Request& req) const;
  Response get_readyz(const Request& req) const;
  Response get_metrics(const Request& req) const;
  Response json(const Request& req, int status, std::string body) const;
  Response api_error(const Request& req, int status, const std::string& code, const std::string& message) const;

  const config::Policy& policy_;
  std::shared_ptr<const sandbox::SeccompProgram> seccomp_;
  const RuntimeCatalog& catalog_;
  SlotPool& slots_;
  Metrics& metrics_;
  std::atomic<bool> draining_{false};
  std::mutex cancel_mu_;
  std::set<int> active_cancel_fds_;
};

}  // namespace runbox::server
