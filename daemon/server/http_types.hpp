#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "server/ws_channel.hpp"

namespace runbox::server {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// What the session gives a handler besides the request: an fd that becomes readable when the
// client goes away, so a run it asked for is cancelled (its processes killed) at once.
struct RequestContext {
  int cancel_fd = -1;
};

// Where a request came from, as far as the handler's screening needs to know.
struct Peer {
  bool unix_socket = false;  // a unix listener: only this host can connect, Host is meaningless
};

// The answer to a WebSocket upgrade request: the conversation to hold on the upgraded
// connection, or the HTTP answer to send instead (401, 404, 503...).
struct Upgrade {
  std::optional<Response> refusal;
  std::unique_ptr<WsConversation> conversation;
  std::size_t max_message_bytes = 1024 * 1024;
};

// The application: a function from request to response. Sessions know nothing else of it.
class Handler {
 public:
  virtual ~Handler() = default;
  // Called with the request head before its body is read: an answer here (403, 401) is sent
  // at once and the connection closed, so a client that may not run anything cannot make the
  // daemon hold its body.
  virtual std::optional<Response> screen(const http::request_header<>& head, const Peer& peer) = 0;
  virtual boost::asio::awaitable<Response> handle(Request req, RequestContext ctx) = 0;
  // A WebSocket upgrade request (after screen()).
  virtual Upgrade upgrade(const Request& req) {
    return {error(req.version(), 404, "not_found", "no WebSocket endpoint at " + std::string(req.target())), nullptr};
  }
  // Answers for requests the session refuses itself (body too large, bad HTTP).
  virtual Response error(unsigned version, int status, const std::string& code, const std::string& message) = 0;
};

}  // namespace runbox::server
