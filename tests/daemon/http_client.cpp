#include "http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace runbox::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body, const Headers& headers, std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  if (req.method() == http::verb::unknown) req.method_string(method);
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  req.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  if (!body.empty() || method == "POST" || method == "PUT") req.prepare_payload();

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(512ull * 1024 * 1024);
  parser.header_limit(1024 * 1024);
  boost::system::error_code failure;
  const char* step = "connect";

  stream.expires_after(timeout);
  const asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  stream.async_connect(ep, [&](boost::system::error_code ec) {
    if (ec) {
      failure = ec;
      return;
    }
    step = "write";
    http::async_write(stream, req, [&](boost::system::error_code wec, std::size_t) {
      if (wec) {
        failure = wec;
        return;
      }
      step = "read";
      http::async_read(stream, buffer, parser, [&](boost::system::error_code rec, std::size_t) {
        if (rec) failure = rec;
      });
    });
  });
  ioc.run();
  if (failure)
    throw std::runtime_error("HTTP " + method + " " + target + ": " + step + " failed: " + failure.message());

  auto res = parser.release();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) out.headers[lower(std::string(field.name_string()))] = std::string(field.value());
  out.body = std::move(res.body());
  return out;
}

std::optional<HttpResponse> parse_raw_response(const std::string& text, std::size_t* consumed) {
  const auto head_end = text.find("\r\n\r\n");
  if (head_end == std::string::npos) return std::nullopt;
  HttpResponse out;
  std::size_t line_end = text.find("\r\n");
  const std::string status_line = text.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return std::nullopt;
  out.status = std::stoi(status_line.substr(9, 3));
  std::size_t pos = line_end + 2;
  while (pos < head_end) {
    std::size_t e = text.find("\r\n", pos);
    std::string line = text.substr(pos, e - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
      out.headers[lower(line.substr(0, colon))] = value;
    }
    pos = e + 2;
  }
  std::size_t length = 0;
  if (auto it = out.headers.find("content-length"); it != out.headers.end()) length = std::stoull(it->second);
  const std::size_t body_start = head_end + 4;
  if (text.size() < body_start + length) return std::nullopt;
  out.body = text.substr(body_start, length);
  if (consumed) *consumed = body_start + length;
  return out;
}

RawConnection::RawConnection(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error(std::string("connect: ") + std::strerror(e));
  }
}

RawConnection::~RawConnection() { close(); }

void RawConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawConnection::send_all(const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

std::string RawConnection::read_until_close(std::chrono::milliseconds timeout, bool* closed) {
  const auto deadline = Clock::now() + timeout;
  std::string out = std::move(pending_);
  pending_.clear();
  if (closed) *closed = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return out;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return out;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (closed) *closed = true;
      return out;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

std::optional<HttpResponse> RawConnection::read_response(std::chrono::milliseconds timeout, bool* closed_after) {
  const auto deadline = Clock::now() + timeout;
  std::string& data = pending_;
  if (closed_after) *closed_after = false;
  for (;;) {
    std::size_t consumed = 0;
    if (auto res = parse_raw_response(data, &consumed)) {
      data.erase(0, consumed);
      if (closed_after) {
        // Did the server close the connection after its answer? Give it a moment to.
        bool closed = false;
        std::string more = read_until_close(std::min<std::chrono::milliseconds>(
                                                std::chrono::milliseconds(2000),
                                                std::max<std::chrono::milliseconds>(
                                                    std::chrono::milliseconds(1),
                                                    std::chrono::duration_cast<std::chrono::milliseconds>(
                                                        deadline - Clock::now()))),
                                            &closed);
        pending_ = std::move(more);
        *closed_after = closed;
      }
      return res;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (closed_after) *closed_after = true;
      std::size_t c = 0;
      auto res = parse_raw_response(data, &c);
      if (res) data.erase(0, c);
      return res;
    }
    data.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace runbox::test
