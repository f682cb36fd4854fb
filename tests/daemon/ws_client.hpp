#pragma once
// A WebSocket client for the interactive endpoints (Beast), with a timeout on every read: the
// tests play a program turn by turn and must fail, not hang, when an answer does not come.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace runbox::test {

class WsClient {
 public:
  // Connects and upgrades; status() is the HTTP status of a refused upgrade (101 when it worked).
  WsClient(std::uint16_t port, const std::string& target,
           const std::vector<std::pair<std::string, std::string>>& headers = {});
  bool open() const { return status_ == 101 && !closed_; }
  int status() const { return status_; }
  const std::string& refusal_body() const { return refusal_body_; }

  void send(const std::string& text);
  // The next message; nullopt when the server closed (close_code()) or after the timeout.
  std::optional<std::string> recv(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  bool closed() const { return closed_; }
  int close_code() const { return close_code_; }
  std::string close_reason() const { return close_reason_; }
  void close();  // a normal close from the client
  void drop();   // the TCP connection cut, no close frame

 private:
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  int status_ = 0;
  std::string refusal_body_;
  bool closed_ = false;
  int close_code_ = 0;
  std::string close_reason_;
};

}  // namespace runbox::test
