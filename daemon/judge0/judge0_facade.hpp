#pragma once
// The Judge0 CE (v1.13.1) API under a prefix of its own (runboxd.toml [judge0], default
// "/judge0"): submissions (wait, tokens, batches), languages, statuses, about, version. A thin
// converter over the service core (server/facade.hpp): Judge0's body → api::RunRequest, the
// core plans and runs it, the typed outcome → Judge0's statuses (judge0_status.hpp). Tokens and
// results live in a SubmissionStore; a token is visible only to the key that made it.
#include <memory>

#include "config/judge0_config.hpp"
#include "server/app.hpp"
#include "server/facade.hpp"
#include "service/run_service.hpp"

namespace runbox::judge0 {

class SubmissionStore;

class Judge0Facade final : public server::Facade {
 public:
  // Opens the store (a problem is logged; the endpoints then answer 503) and marks the runs a
  // previous daemon left unfinished as Internal Error.
  Judge0Facade(service::RunService& core, config::Judge0Config config);
  ~Judge0Facade() override;

  std::optional<std::string> route(std::string_view path) const override;
  boost::asio::awaitable<server::Response> handle(const server::Request& req, server::RequestContext ctx,
                                                  const service::Caller& caller) override;

 private:
  struct Prepared;
  struct Rejection;
  boost::asio::awaitable<server::Response> create(const server::Request& req, server::RequestContext ctx,
                                                  const service::Caller& caller);
  boost::asio::awaitable<server::Response> create_batch(const server::Request& req, const service::Caller& caller);
  server::Response show(const server::Request& req, const service::Caller& caller, const std::string& token);
  server::Response show_batch(const server::Request& req, const service::Caller& caller);
  server::Response languages(const server::Request& req, bool all) const;
  server::Response language(const server::Request& req, std::string_view id) const;
  // The submission checked, converted and planned, or why not (422 field errors, 503, ...).
  std::variant<Prepared, Rejection> prepare(const boost::json::value& body, bool base64, const service::Caller& caller);
  // Queues a prepared submission (stored In Queue first); false: the slots' queue is full.
  bool enqueue(Prepared p, boost::asio::any_io_executor exec);
  std::optional<server::Response> store_unavailable(const server::Request& req) const;

  service::RunService& core_;
  config::Judge0Config config_;
  std::shared_ptr<SubmissionStore> store_;
};

// Registers the facade with the App when runboxd.toml enables it (daemon/runboxd.cpp).
void add_to(server::App& app, service::RunService& core, const config::Judge0Config& config);

}  // namespace runbox::judge0
