#include "server/listener.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "log/logger.hpp"

namespace runbox::server {

namespace asio = boost::asio;
namespace beast = boost::beast;

Listener::Listener(asio::io_context& ioc, const config::Listener& addr, Handler& handler, SessionLimits limits,
                   ConnectionGauge& gauge)
    : ioc_(ioc), handler_(handler), limits_(limits), gauge_(gauge), addr_(addr) {
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

namespace {

// Out of descriptors or kernel memory: accepting again at once would fail again at once.
// (By errno value: accept's errors are the system's, and the values need no category call.)
bool is_resource_shortage(const boost::system::error_code& ec) {
  const int e = ec.value();
  return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

// Over max_connections: one small answer written without waiting (a fresh socket's send buffer
// takes it whole), then the socket is closed. Nothing is read and no coroutine is kept.
void refuse_connection(int fd, std::uint32_t max) {
  const std::string body = "{\"error\":{\"code\":\"overloaded\",\"message\":\"too many open connections "
                           "(max_connections = " + std::to_string(max) + "); retry later\"}}";
  const std::string head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
                           "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  const std::string all = head + body;
  (void)!::send(fd, all.data(), all.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  // What the client already sent, read away: closing with unread bytes would reset the
  // connection and could lose the answer before the client reads it.
  char sink[16384];
  for (int i = 0; i < 4 && ::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; ++i) {
  }
}

}  // namespace

template <class Acceptor>
asio::awaitable<void> Listener::accept_loop(Acceptor& acceptor) {
  using Protocol = typename Acceptor::protocol_type;
  asio::steady_timer backoff(ioc_);
  auto last_warned = std::chrono::steady_clock::time_point{};
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc_), asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      if (!is_resource_shortage(ec)) continue;  // e.g. ECONNABORTED: that client is gone
      // EMFILE/ENFILE/ENOBUFS/ENOMEM: pause instead of spinning; open connections go on.
      const auto now = std::chrono::steady_clock::now();
      if (now - last_warned > std::chrono::seconds(10)) {
        last_warned = now;
        // strerror, not ec.message(): the latter's virtual call through Boost's error category
        // tripped UBSan's vptr check in the sanitizer build (and aborted the daemon there).
        const std::string why = std::strerror(ec.value());
        logging::warning("accept_backoff", "accept on " + local_address() + " failed: " + why +
                                               "; pausing accepts for 100 ms",
                         {{"address", local_address()}, {"error", why}});
      }
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    if (gauge_.open.fetch_add(1) >= gauge_.max) {
      gauge_.open.fetch_sub(1);
      refuse_connection(socket.native_handle(), gauge_.max);
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    auto exec = socket.get_executor();
    asio::co_spawn(exec, run_session(beast::basic_stream<Protocol>(std::move(socket)), handler_, limits_, &gauge_),
                   asio::detached);
  }
}

void Listener::start() {
  if (tcp_) asio::co_spawn(ioc_, accept_loop(*tcp_), asio::detached);
  if (unix_) asio::co_spawn(ioc_, accept_loop(*unix_), asio::detached);
}

Listener::Listener(asio::io_context& ioc, const config::Listener& addr, int inherited_fd, Handler& handler,
                   SessionLimits limits, ConnectionGauge& gauge)
    : ioc_(ioc), handler_(handler), limits_(limits), gauge_(gauge), addr_(addr), adopted_(true) {
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
