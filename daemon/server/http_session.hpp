#pragma once
// One connection: read a request (with a deadline on every read, a header and a body limit),
// let the handler answer, write, repeat while keep-alive. A client that stalls is dropped after
// the read timeout and never blocks others: every connection is its own coroutine.
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <chrono>
#include <memory>

#include "server/http_types.hpp"

namespace runbox::server {

struct SessionLimits {
  std::uint64_t body_limit = 10 * 1024 * 1024;
  std::chrono::seconds read_timeout{30};
};

namespace detail {

// Becomes "cancelled" (the eventfd readable) when the peer closes while its request runs.
template <class Stream>
boost::asio::awaitable<void> watch_disconnect(Stream& stream, std::shared_ptr<int> efd) {
  auto& sock = stream.socket();
  auto [ec] = co_await sock.async_wait(Stream::socket_type::wait_read,
                                       boost::asio::as_tuple(boost::asio::use_awaitable));
  if (ec == boost::asio::error::operation_aborted || *efd < 0) co_return;
  char c;
  ssize_t n = ::recv(sock.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (ec || n == 0 || (n < 0 && errno != EAGAIN)) {
    std::uint64_t one = 1;
    (void)!::write(*efd, &one, sizeof one);
  }
  // n > 0: a pipelined request, not a disconnect.
}

}  // namespace detail

template <class Protocol>
boost::asio::awaitable<void> run_session(boost::beast::basic_stream<Protocol> stream, Handler& handler,
                                         SessionLimits limits) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(limits.body_limit);
    parser.header_limit(64 * 1024);
    stream.expires_after(limits.read_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    (void)n;
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::connection_reset ||
        ec == asio::error::eof)
      break;
    if (ec) {
      // Refused before the body is read whole: answer, then close the connection.
      bool too_large = ec == http::error::body_limit;
      Response res = too_large ? handler.error(11, 413, "payload_too_large",
                                               "the request body is over the limit of " +
                                                   std::to_string(limits.body_limit) + " bytes")
                               : handler.error(11, 400, "invalid_request", "malformed HTTP request: " + ec.message());
      res.keep_alive(false);
      res.prepare_payload();
      stream.expires_after(std::chrono::seconds(5));
      co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      break;
    }
    Request req = parser.release();
    stream.expires_never();  // a run may take as long as its wall limit; the handler bounds it
    auto efd = std::make_shared<int>(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    RequestContext ctx{*efd};
    bool watching = *efd >= 0 && req.method() == http::verb::post;
    if (watching) asio::co_spawn(stream.get_executor(), detail::watch_disconnect(stream, efd), asio::detached);
    Response res = co_await handler.handle(std::move(req), ctx);
    if (watching) {
      boost::system::error_code ignored;
      stream.socket().cancel(ignored);
    }
    ::close(*efd);
    *efd = -1;
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
