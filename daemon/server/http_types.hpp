#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>

namespace runbox::server {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// What the session gives a handler besides the request: an fd that becomes readable when the
// client goes away, so a run it asked for is cancelled (its processes killed) at once.
struct RequestContext {
  int cancel_fd = -1;
};

// The application: a function from request to response. Sessions know nothing else of it.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual boost::asio::awaitable<Response> handle(Request req, RequestContext ctx) = 0;
  // Answers for requests the session refuses itself (body too large, bad HTTP).
  virtual Response error(unsigned version, int status, const std::string& code, const std::string& message) = 0;
};

}  // namespace runbox::server
