#pragma once
// Accept loops for TCP and unix-socket listeners. Each connection gets its own strand and its
// own coroutine (http_session.hpp).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/strand.hpp>
#include <string>

#include "config/daemon_config.hpp"
#include "server/http_session.hpp"

namespace runbox::server {

class Listener {
 public:
  // Every listener of the daemon shares one gauge (max_connections counts them all).
  Listener(boost::asio::io_context& ioc, const config::Listener& addr, Handler& handler, SessionLimits limits,
           ConnectionGauge& gauge);
  // A unix listener adopting a listening socket systemd passed (socket activation): the socket
  // file belongs to the socket unit, so it is neither created, chmod'ed nor unlinked here.
  Listener(boost::asio::io_context& ioc, const config::Listener& addr, int inherited_fd, Handler& handler,
           SessionLimits limits, ConnectionGauge& gauge);
  void start();
  void stop();
  // The bound address (for port 0: the port the kernel chose).
  std::string local_address() const;

 private:
  template <class Acceptor>
  boost::asio::awaitable<void> accept_loop(Acceptor& acceptor);

  boost::asio::io_context& ioc_;
  Handler& handler_;
  SessionLimits limits_;
  ConnectionGauge& gauge_;
  config::Listener addr_;
  std::optional<boost::asio::ip::tcp::acceptor> tcp_;
  std::optional<boost::asio::local::stream_protocol::acceptor> unix_;
  bool adopted_ = false;
};

}  // namespace runbox::server
