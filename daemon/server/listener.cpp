#include "server/listener.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

namespace runbox::server {

namespace asio = boost::asio;
namespace beast = boost::beast;

Listener::Listener(asio::io_context& ioc, const config::Listener& addr, Handler& handler, SessionLimits limits)
    : ioc_(ioc), handler_(handler), limits_(limits), addr_(addr) {
  if (addr.kind == config::Listener::Kind::unix_socket) {
    std::filesystem::create_directories(std::filesystem::path(addr.path).parent_path());
    ::unlink(addr.path.c_str());  // a stale socket from an earlier run
    unix_.emplace(ioc, asio::local::stream_protocol::endpoint(addr.path));
    ::chmod(addr.path.c_str(), 0660);
  } else {
    asio::ip::tcp::resolver resolver(ioc);
    asio::ip::tcp::endpoint ep = resolver.resolve(addr.host, std::to_string(addr.port))->endpoint();
    tcp_.emplace(ioc);
    tcp_->open(ep.protocol());
    tcp_->set_option(asio::socket_base::reuse_address(true));
    tcp_->bind(ep);
    tcp_->listen(asio::socket_base::max_listen_connections);
  }
}

template <class Acceptor>
asio::awaitable<void> Listener::accept_loop(Acceptor& acceptor) {
  using Protocol = typename Acceptor::protocol_type;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc_), asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
    auto exec = socket.get_executor();
    asio::co_spawn(exec, run_session(beast::basic_stream<Protocol>(std::move(socket)), handler_, limits_),
                   asio::detached);
  }
}

void Listener::start() {
  if (tcp_) asio::co_spawn(ioc_, accept_loop(*tcp_), asio::detached);
  if (unix_) asio::co_spawn(ioc_, accept_loop(*unix_), asio::detached);
}

Listener::Listener(asio::io_context& ioc, const config::Listener& addr, int inherited_fd, Handler& handler,
                   SessionLimits limits)
    : ioc_(ioc), handler_(handler), limits_(limits), addr_(addr), adopted_(true) {
  unix_.emplace(ioc, asio::local::stream_protocol(), inherited_fd);
}

void Listener::stop() {
  boost::system::error_code ignored;
  if (tcp_) tcp_->close(ignored);
  if (unix_) {
    unix_->close(ignored);
    if (!adopted_) ::unlink(addr_.path.c_str());  // an adopted socket file is the socket unit's
  }
}

std::string Listener::local_address() const {
  if (unix_) return "unix:" + addr_.path;
  auto ep = tcp_->local_endpoint();
  std::string host = ep.address().to_string();
  if (ep.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

}  // namespace runbox::server
