#pragma once
// Piston API v2 under /api/v2/ (docs/compat.md): runtimes, execute, packages — a converter
// over the service core, behind the App's screening, keys and rate limits.
#include "server/facade.hpp"
#include "service/run_service.hpp"

namespace runbox::piston {

class PistonFacade final : public server::Facade {
 public:
  explicit PistonFacade(service::RunService& core) : core_(core) {}
  std::optional<std::string> route(std::string_view path) const override;
  boost::asio::awaitable<server::Response> handle(const server::Request& req, server::RequestContext ctx,
                                                  const service::Caller& caller) override;
  // /api/v2/connect: Piston's interactive protocol (piston_connect.cpp).
  std::unique_ptr<server::LiveDialect> live_dialect(std::string_view path) const override;

 private:
  boost::asio::awaitable<server::Response> execute(const server::Request& req, server::RequestContext ctx,
                                                   const service::Caller& caller);
  server::Response runtimes(const server::Request& req);
  server::Response packages(const server::Request& req);

  service::RunService& core_;
};

// Piston's /api/v2/connect WebSocket protocol over the interactive conversation.
std::unique_ptr<server::LiveDialect> connect_dialect();

}  // namespace runbox::piston
