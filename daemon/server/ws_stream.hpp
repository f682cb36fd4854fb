#pragma once
// WsChannel over Beast's websocket stream on a session's TCP or unix stream.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>

#include "server/http_types.hpp"
#include "server/ws_channel.hpp"

namespace runbox::server {

template <class Protocol>
class BeastWsChannel final : public WsChannel {
 public:
  BeastWsChannel(boost::beast::basic_stream<Protocol>&& stream, std::size_t max_message)
      : ws_(std::move(stream)) {
    namespace websocket = boost::beast::websocket;
    boost::beast::get_lowest_layer(ws_).expires_never();  // the websocket's own timeouts from here
    websocket::stream_base::timeout t = websocket::stream_base::timeout::suggested(boost::beast::role_type::server);
    t.handshake_timeout = std::chrono::seconds(5);  // the opening and the closing handshake
    t.idle_timeout = std::chrono::seconds(60);      // a peer that answers no ping for this long is gone
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.read_message_max(max_message);
    ws_.text(true);
  }

  boost::asio::awaitable<bool> accept(const Request& req) {
    auto [ec] = co_await ws_.async_accept(req, boost::asio::as_tuple(boost::asio::use_awaitable));
    co_return !ec;
  }

  boost::asio::any_io_executor executor() override { return ws_.get_executor(); }

  boost::asio::awaitable<std::optional<std::string>> read() override {
    boost::beast::flat_buffer buf;
    auto [ec, n] = co_await ws_.async_read(buf, boost::asio::as_tuple(boost::asio::use_awaitable));
    (void)n;
    if (ec) {
      too_large_ = ec == boost::beast::websocket::error::message_too_big;
      co_return std::nullopt;
    }
    co_return boost::beast::buffers_to_string(buf.data());
  }
  bool too_large() const override { return too_large_; }

  boost::asio::awaitable<bool> write(std::string text) override {
    auto [ec, n] = co_await ws_.async_write(boost::asio::buffer(text), boost::asio::as_tuple(boost::asio::use_awaitable));
    (void)n;
    co_return !ec;
  }

  boost::asio::awaitable<void> close(std::uint16_t code, std::string reason) override {
    if (closed_ || !ws_.is_open()) co_return;
    closed_ = true;
    boost::beast::websocket::close_reason cr(static_cast<boost::beast::websocket::close_code>(code), reason.substr(0, 120));  // a control frame's payload is 125 bytes
    auto [ec] = co_await ws_.async_close(cr, boost::asio::as_tuple(boost::asio::use_awaitable));
    (void)ec;
  }

  void cancel_read() override {
    boost::system::error_code ignored;
    boost::beast::get_lowest_layer(ws_).socket().cancel(ignored);
  }

 private:
  boost::beast::websocket::stream<boost::beast::basic_stream<Protocol>> ws_;
  bool too_large_ = false;
  bool closed_ = false;
};

}  // namespace runbox::server
