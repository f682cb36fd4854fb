// The Docker Engine client: Beast over asio's local stream socket. Calls are synchronous for the
// slot threads that make them; underneath, each step is an async operation on a private
// io_context run for at most the time left, so a hung engine becomes a timeout error rather than
// a stuck slot.
#include "docker/engine_client.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

namespace runbox::docker {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using local = asio::local::stream_protocol;
using std::chrono::milliseconds;
using error_code = boost::system::error_code;

constexpr std::uint64_t kBodyLimit = 256ull << 20;  // non-streamed answers (inspect, info) are small

std::string describe(const error_code& ec) {
  if (ec == asio::error::connection_refused) return "connection refused";
  if (ec == asio::error::not_found || ec.value() == ENOENT) return "no socket there (is dockerd running?)";
  if (ec == asio::error::access_denied || ec.value() == EACCES) return "permission denied";
  if (ec == asio::error::eof || ec == http::error::end_of_stream || ec == asio::error::connection_reset)
    return "the engine closed the connection";
  return ec.message();
}

// The engine's {"message": "..."} error body, or the raw body when it is not that.
std::string engine_message(const std::string& body) {
  error_code ec;
  json::value v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    if (const auto* m = v.as_object().if_contains("message"); m && m->is_string()) return std::string(m->as_string());
  }
  std::string s = body.substr(0, 500);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s.empty() ? "(no message)" : s;
}

// One connection to the engine; every operation bounded by a deadline.
class Connection {
  using Clock = EngineClient::Clock;

 public:
  Connection(const std::filesystem::path& socket, Clock::time_point deadline) : socket_(socket), deadline_(deadline) {
    error_code ec = run([&](auto handler) { sock_.async_connect(local::endpoint(socket.string()), handler); },
                        "connect");
    if (ec) throw EngineError("Docker engine unreachable at " + socket_.string() + ": " + describe(ec));
  }

  // Runs one async operation to completion or until the deadline; a timeout closes the socket
  // and throws. Returns the operation's error code.
  template <class Initiate>
  error_code run(Initiate&& initiate, const char* step) {
    bool done = false;
    error_code result;
    initiate([&](error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc_.restart();
    auto left = deadline_ - Clock::now();
    if (left > Clock::duration::zero()) ioc_.run_for(left);
    if (!done) {
      error_code ignored;
      sock_.close(ignored);  // aborts the operation; its handler runs below
      ioc_.restart();
      ioc_.run();
      throw EngineError("Docker engine at " + socket_.string() + " did not answer in time (" + step + ")");
    }
    return result;
  }

  void set_deadline(Clock::time_point d) { deadline_ = d; }

  void write(http::request<http::string_body>& req) {
    error_code ec = run([&](auto h) { http::async_write(sock_, req, h); }, "send request");
    if (ec) throw EngineError("Docker engine at " + socket_.string() + ": sending the request: " + describe(ec));
  }

  template <class Parser>
  void read_header(Parser& p) {
    error_code ec = run([&](auto h) { http::async_read_header(sock_, buf_, p, h); }, "read response");
    if (ec) throw EngineError("Docker engine at " + socket_.string() + ": reading the answer: " + describe(ec));
  }

  template <class Parser>
  void read(Parser& p) {
    error_code ec = run([&](auto h) { http::async_read(sock_, buf_, p, h); }, "read response");
    if (ec) throw EngineError("Docker engine at " + socket_.string() + ": reading the answer: " + describe(ec));
  }

  // One piece of a buffer_body; false at the end of the body.
  template <class Parser>
  std::size_t read_some(Parser& p, char* data, std::size_t size) {
    p.get().body().data = data;
    p.get().body().size = size;
    error_code ec = run([&](auto h) { http::async_read(sock_, buf_, p, h); }, "read streamed answer");
    if (ec == http::error::need_buffer) ec = {};
    if (ec) throw EngineError("Docker engine at " + socket_.string() + ": reading the answer: " + describe(ec));
    return size - p.get().body().size;
  }

  local::socket& socket() { return sock_; }
  beast::flat_buffer& buffer() { return buf_; }

 private:
  std::filesystem::path socket_;
  Clock::time_point deadline_;
  asio::io_context ioc_;
  local::socket sock_{ioc_};
  beast::flat_buffer buf_;
};

http::request<http::string_body> make_request(std::string_view method, const std::string& target,
                                              const std::string& body, const std::string& content_type) {
  http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) throw EngineError("runbox: unknown HTTP method " + std::string(method));
  http::request<http::string_body> req{verb, "/" + std::string(kApiVersion) + target, 11};
  req.set(http::field::host, "docker");
  req.set(http::field::user_agent, "runbox");
  if (!body.empty() || verb == http::verb::post || verb == http::verb::put) {
    req.set(http::field::content_type, content_type);
    req.body() = body;
  }
  req.prepare_payload();
  return req;
}

}  // namespace

HijackedStream::~HijackedStream() {
  if (fd_ >= 0) ::close(fd_);
}

void HijackedStream::close_write() { ::shutdown(fd_, SHUT_WR); }

EngineClient::EngineClient(std::filesystem::path socket, milliseconds timeout)
    : socket_(std::move(socket)), timeout_(timeout) {}

Response EngineClient::request(std::string_view method, const std::string& target, const std::string& body,
                               const std::string& content_type) const {
  return request(method, target, body, content_type, timeout_);
}

Response EngineClient::request(std::string_view method, const std::string& target, const std::string& body,
                               const std::string& content_type, milliseconds timeout) const {
  Connection c(socket_, Clock::now() + timeout);
  auto req = make_request(method, target, body, content_type);
  c.write(req);
  http::response_parser<http::string_body> p;
  p.body_limit(kBodyLimit);
  c.read(p);
  return Response{p.get().result_int(), std::move(p.get().body())};
}

std::string EngineClient::call(std::string_view method, const std::string& target, const std::string& what,
                               const std::string& body, const std::string& content_type) const {
  Response r = request(method, target, body, content_type);
  if (r.status < 200 || r.status >= 300) throw EngineError(what + ": " + engine_message(r.body), r.status);
  return std::move(r.body);
}

std::uint64_t EngineClient::get_stream(const std::string& target, const ChunkFn& on_chunk,
                                       milliseconds idle_timeout) const {
  return stream("GET", target, {}, "application/json", on_chunk, idle_timeout);
}

std::uint64_t EngineClient::stream(std::string_view method, const std::string& target, const std::string& body,
                                   const std::string& content_type, const ChunkFn& on_chunk,
                                   milliseconds idle_timeout) const {
  Connection c(socket_, Clock::now() + timeout_);
  auto req = make_request(method, target, body, content_type);
  c.write(req);
  http::response_parser<http::buffer_body> p;
  p.body_limit(boost::none);  // an export is as large as the image
  c.read_header(p);
  unsigned status = p.get().result_int();
  std::vector<char> buf(64 * 1024);
  std::uint64_t total = 0;
  std::string error_body;
  while (!p.is_done()) {
    c.set_deadline(Clock::now() + idle_timeout);
    std::size_t n = c.read_some(p, buf.data(), buf.size());
    if (status < 200 || status >= 300) {
      if (error_body.size() < 64 * 1024) error_body.append(buf.data(), n);
      continue;
    }
    total += n;
    if (n > 0) on_chunk(std::string_view(buf.data(), n));
  }
  if (status < 200 || status >= 300)
    throw EngineError(std::string(method) + " " + target + ": " + engine_message(error_body), status);
  return total;
}

void EngineClient::put_archive(const std::string& container_id, const std::string& dir, const std::string& tar) const {
  call("PUT", "/containers/" + container_id + "/archive?path=" + url_encode(dir), "upload files to " + dir, tar,
       "application/x-tar");
}

std::unique_ptr<HijackedStream> EngineClient::hijack(const std::string& target) const {
  Connection c(socket_, Clock::now() + timeout_);
  auto req = make_request("POST", target, {}, "application/json");
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::upgrade, "tcp");
  c.write(req);
  http::response_parser<http::empty_body> p;
  c.read_header(p);
  unsigned status = p.get().result_int();
  if (status != 101 && status != 200) {
    // An error answer has a body; read it for the message.
    http::response_parser<http::string_body> full(std::move(p));
    c.read(full);
    throw EngineError("attach: " + engine_message(full.get().body()), status);
  }
  auto pending = c.buffer().data();
  std::string already(static_cast<const char*>(pending.data()), pending.size());
  error_code ec;
  int fd = c.socket().release(ec);
  if (ec) throw EngineError("attach: cannot take over the connection: " + ec.message());
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  return std::make_unique<HijackedStream>(fd, std::move(already));
}

void EngineClient::ping() const {
  Response r = request("GET", "/_ping");
  if (r.status != 200 || r.body != "OK")
    throw EngineError("Docker engine at " + socket_.string() + " answered the ping with " + std::to_string(r.status) +
                          ": " + engine_message(r.body),
                      r.status);
}

json::value EngineClient::version() const { return json::parse(call("GET", "/version", "engine version")); }

json::value EngineClient::info() const { return json::parse(call("GET", "/info", "engine info")); }

std::vector<std::string> EngineClient::runtimes() const {
  std::vector<std::string> names;
  json::value v = info();
  if (const auto* rt = v.as_object().if_contains("Runtimes"); rt && rt->is_object()) {
    for (const auto& kv : rt->as_object()) names.emplace_back(kv.key());
  }
  return names;
}

std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace runbox::docker
