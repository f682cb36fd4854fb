#pragma once
// A small synchronous HTTP/1.1 client for the daemon tests (Boost.Beast underneath, one
// connection per request, every step bounded by a timeout), plus raw-socket helpers for the
// tests that must misbehave on purpose: a body larger than announced, a client that hangs up.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace runbox::test {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-case; a repeated header keeps the last
  std::string body;
  std::string header(const std::string& name) const;  // "" when absent
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// Throws std::runtime_error on connection failure or timeout.
HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body = {}, const Headers& headers = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(120));

inline HttpResponse http_get(std::uint16_t port, const std::string& target) {
  return http_request(port, "GET", target);
}
inline HttpResponse http_post_json(std::uint16_t port, const std::string& target, const std::string& body,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  return http_request(port, "POST", target, body, {{"Content-Type", "application/json"}}, timeout);
}

// Raw TCP to 127.0.0.1:port. The fd is closed on destruction.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Sends everything (MSG_NOSIGNAL); false when the peer refused it (reset, closed).
  bool send_all(const std::string& data);
  // Reads until the peer closes or the timeout passes. *closed: the peer closed (EOF or reset)
  // before the timeout.
  std::string read_until_close(std::chrono::milliseconds timeout, bool* closed = nullptr);
  // Reads until a whole response (head + Content-Length body) is in, the peer closes, or the
  // timeout passes; nullopt when no complete response came.
  std::optional<HttpResponse> read_response(std::chrono::milliseconds timeout, bool* closed_after = nullptr);
  void close();
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string pending_;
};

// Parses "HTTP/1.1 413 ...\r\nHeaders\r\n\r\nbody" (Content-Length bodies only); nullopt when
// the text does not hold a whole response yet.
std::optional<HttpResponse> parse_raw_response(const std::string& text, std::size_t* consumed = nullptr);

}  // namespace runbox::test
