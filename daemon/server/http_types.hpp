#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <string>

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

// The application: a function from request to response. Sessions know nothing else of it.
class Handler {
 public:
  virtual ~Handler() = default;
  // Called with the request head before its body is read: an answer here (403, 401) is sent
  // at once and the connection closed, so a client that may not run anything cannot make the
  // daemon hold its body.
  virtual std::optional<Response> screen(const http::request_header<>& head, const Peer& peer) = 0;
  virtual boost::asio::awaitable<Response> handle(Request req, RequestContext ctx) = 0;
  // Answers for requests the session refuses itself (body too large, bad HTTP).
  virtual Response error(unsigned version, int status, const std::string& code, const std::string& message) = 0;
};

}  // namespace runbox::server
