#include "ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace runbox::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

WsClient::WsClient(std::uint16_t port, const std::string& target,
                   const std::vector<std::pair<std::string, std::string>>& headers)
    : ws_(ioc_) {
  ws_.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
    for (const auto& [k, v] : headers) req.set(k, v);
  }));
  websocket::response_type res;
  beast::error_code ec;
  ws_.handshake(res, "127.0.0.1:" + std::to_string(port), target, ec);
  status_ = static_cast<int>(res.result_int());
  if (ec) {
    refusal_body_ = res.body();
    if (status_ == 101) status_ = 0;
  }
  ws_.read_message_max(64 * 1024 * 1024);
}

void WsClient::send(const std::string& text) {
  beast::error_code ec;
  ws_.text(true);
  ws_.write(asio::buffer(text), ec);
}

std::optional<std::string> WsClient::recv(std::chrono::milliseconds timeout) {
  if (closed_ || status_ != 101) return std::nullopt;
  beast::flat_buffer buf;
  beast::error_code ec;
  bool done = false;
  ws_.async_read(buf, [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  ioc_.restart();
  ioc_.run_for(timeout);
  if (!done) {
    ws_.next_layer().cancel();
    ioc_.restart();
    ioc_.run();
    closed_ = true;  // the stream is unusable after a cancelled read
    close_code_ = -1;
    return std::nullopt;
  }
  if (ec) {
    closed_ = true;
    close_code_ = ws_.reason().code;
    close_reason_ = std::string(ws_.reason().reason.c_str());
    if (ec != websocket::error::closed) close_code_ = close_code_ ? close_code_ : 1006;
    return std::nullopt;
  }
  return beast::buffers_to_string(buf.data());
}

void WsClient::close() {
  beast::error_code ec;
  ws_.close(websocket::close_code::normal, ec);
  closed_ = true;
}

void WsClient::drop() {
  beast::error_code ec;
  ws_.next_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  ws_.next_layer().close(ec);
  closed_ = true;
}

}  // namespace runbox::test
