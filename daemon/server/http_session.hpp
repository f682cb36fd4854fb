#pragma once
// One connection: read a request head (with a deadline on every read and a header limit), let
// the handler screen it (origin, host, key) before the body is read, read the body (body limit),
// let the handler answer, write, repeat while keep-alive. A client that stalls is dropped after
// the read timeout and never blocks others: every connection is its own coroutine.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <type_traits>

#include "runbox/sandbox/unique_fd.hpp"
#include "server/http_types.hpp"
#include "server/ws_stream.hpp"

namespace runbox::server {

// Connections open at once over every listener (max_connections). The listener counts a
// connection in when it accepts it; the session counts it out when it ends.
struct ConnectionGauge {
  std::atomic<std::uint32_t> open{0};
  std::uint32_t max = 1024;
};

struct SessionLimits {
  std::uint64_t body_limit = 10 * 1024 * 1024;
  std::chrono::seconds read_timeout{30};
};

namespace detail {

// A pipelined request is read aside while the one before it runs, up to this much.
inline constexpr std::size_t kPipelinedMax = 64 * 1024;

// What the disconnect watch and its session share (on the connection's strand).
struct Watch {
  sandbox::UniqueFd efd;   // the run's cancel eventfd
  bool done = false;       // the answer is ready: the watch must stop
  std::string pipelined;   // bytes the client sent meanwhile, handed back to the session
};

inline void signal_cancel(const Watch& w) {
  std::uint64_t one = 1;
  if (w.efd) (void)!::write(w.efd.get(), &one, sizeof one);
}

// TCP only: whether the peer has sent its FIN (data may still be queued before it).
// nullopt when the socket cannot tell (a unix socket).
inline std::optional<bool> tcp_peer_closed(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return std::nullopt;
  return info.tcpi_state == TCP_CLOSE_WAIT || info.tcpi_state == TCP_CLOSE || info.tcpi_state == TCP_LAST_ACK;
}

// Makes the eventfd readable when the peer closes while its request runs. Bytes sent meanwhile
// (a pipelined request) are read aside, so the close behind them is still seen; past
// kPipelinedMax the TCP state is polled instead (a unix socket cannot tell: the watch ends).
template <class Stream>
boost::asio::awaitable<void> watch_disconnect(Stream& stream, std::shared_ptr<Watch> w) {
  namespace asio = boost::asio;
  auto& sock = stream.socket();
  const int fd = sock.native_handle();
  asio::steady_timer timer(sock.get_executor());
  for (;;) {
    if (w->pipelined.size() < kPipelinedMax) {
      auto [ec] = co_await sock.async_wait(Stream::socket_type::wait_read, asio::as_tuple(asio::use_awaitable));
      if (w->done || ec == asio::error::operation_aborted) co_return;
      if (ec) {
        signal_cancel(*w);
        co_return;
      }
      char buf[4096];
      const std::size_t room = std::min(sizeof buf, kPipelinedMax - w->pipelined.size());
      ssize_t n = ::recv(fd, buf, room, MSG_DONTWAIT);
      if (n > 0) {
        w->pipelined.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
      signal_cancel(*w);  // 0: the peer closed; < 0: reset
      co_return;
    }
    std::optional<bool> closed = tcp_peer_closed(fd);
    if (!closed) co_return;
    if (*closed) {
      signal_cancel(*w);
      co_return;
    }
    timer.expires_after(std::chrono::milliseconds(100));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (w->done) co_return;
  }
}

// Leaves the gauge when the session ends, on every path.
struct GaugeSlot {
  ConnectionGauge* gauge;
  ~GaugeSlot() {
    if (gauge) gauge->open.fetch_sub(1);
  }
};

// Sends a refusal and ends the connection gracefully: after our FIN, what the client still
// sends is read away (discarded; at most 256 KiB or 1 s), because closing with unread bytes
// resets the connection and the client could lose the answer before reading it.
template <class Stream>
boost::asio::awaitable<void> write_refusal(Stream& stream, Response res) {
  namespace asio = boost::asio;
  res.keep_alive(false);
  res.prepare_payload();
  stream.expires_after(std::chrono::seconds(5));
  auto [ec, n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
  (void)n;
  if (ec) co_return;
  boost::system::error_code ignored;
  stream.socket().shutdown(stream.socket().shutdown_send, ignored);
  stream.expires_after(std::chrono::seconds(1));
  char sink[16384];
  for (std::size_t drained = 0; drained < 256 * 1024;) {
    auto [rec, got] = co_await stream.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
    if (rec) break;
    drained += got;
  }
}

}  // namespace detail

template <class Protocol>
boost::asio::awaitable<void> run_session(boost::beast::basic_stream<Protocol> stream, Handler& handler,
                                         SessionLimits limits, ConnectionGauge* gauge = nullptr) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  detail::GaugeSlot in_gauge{gauge};
  const Peer peer{std::is_same_v<Protocol, asio::local::stream_protocol>};
  beast::flat_buffer buffer;
  auto refuse_malformed = [&](const beast::error_code& ec) {
    // Refused before the body is read whole: answer, then close the connection.
    bool too_large = ec == http::error::body_limit;
    return too_large ? handler.error(11, 413, "payload_too_large",
                                     "the request body is over the limit of " + std::to_string(limits.body_limit) +
                                         " bytes")
                     : handler.error(11, 400, "invalid_request", "malformed HTTP request: " + ec.message());
  };
  auto is_goodbye = [](const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::connection_reset ||
           ec == asio::error::eof;
  };
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(limits.body_limit);
    parser.header_limit(64 * 1024);
    stream.expires_after(limits.read_timeout);  // head and body together
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    (void)hn;
    if (is_goodbye(hec)) break;
    if (hec) {
      co_await detail::write_refusal(stream, refuse_malformed(hec));
      break;
    }
    if (auto refused = handler.screen(parser.get().base(), peer)) {
      co_await detail::write_refusal(stream, std::move(*refused));
      break;
    }
    if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
      auto [cec, cn] = co_await http::async_write(stream, go_on, asio::as_tuple(asio::use_awaitable));
      (void)cn;
      if (cec) break;
    }
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    (void)n;
    if (is_goodbye(ec)) break;
    if (ec) {
      co_await detail::write_refusal(stream, refuse_malformed(ec));
      break;
    }
    Request req = parser.release();
    if (boost::beast::websocket::is_upgrade(req)) {
      // An interactive run (or a refusal): the connection is the conversation's from here on.
      Upgrade up = handler.upgrade(req);
      if (!up.conversation) {
        co_await detail::write_refusal(stream, std::move(up.refusal.value()));
        break;
      }
      BeastWsChannel<Protocol> channel(std::move(stream), up.max_message_bytes);
      if (co_await channel.accept(req)) co_await up.conversation->run(channel);
      co_return;
    }
    stream.expires_never();  // a run may take as long as its wall limit; the handler bounds it
    auto watch = std::make_shared<detail::Watch>();
    watch->efd.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    RequestContext ctx{watch->efd.get()};
    bool watching = watch->efd && req.method() == http::verb::post;
    if (watching) asio::co_spawn(stream.get_executor(), detail::watch_disconnect(stream, watch), asio::detached);
    Response res = co_await handler.handle(std::move(req), ctx);
    watch->done = true;
    if (watching) {
      boost::system::error_code ignored;
      stream.socket().cancel(ignored);
    }
    // Closed now, not when the watch lets go of it: a late cancel then writes nowhere.
    watch->efd.reset();
    if (!watch->pipelined.empty()) {  // the next request's first bytes: after what is buffered
      auto room = buffer.prepare(watch->pipelined.size());
      buffer.commit(asio::buffer_copy(room, asio::buffer(watch->pipelined)));
      watch->pipelined.clear();
    }
    res.prepare_payload();
    stream.expires_after(limits.read_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    (void)wn;
    if (wec || !res.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(Protocol::socket::shutdown_send, ignored);
}

}  // namespace runbox::server
