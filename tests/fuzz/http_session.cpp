// The HTTP session (daemon/server/http_session.hpp) over a real socket pair: the input is every
// byte a client sends on one connection (pipelined requests, chunked bodies, garbage), then the
// client half-closes. The session's Beast parsing, header and body limits, keep-alive and error
// answers run as in runboxd; the handler is a stub that echoes the request (the session knows
// nothing else of the App). What comes back must be a sequence of whole HTTP responses: 200s for
// the requests, and an error answer (400 malformed, 413 over the body limit) only as the last,
// with the connection closed after it.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "server/http_session.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
using runbox::server::Request;
using runbox::server::Response;
using unix_stream = asio::local::stream_protocol;

namespace {

[[noreturn]] void fail(const char* what, const std::string& out) {
  std::fprintf(stderr, "http_session: %s; the session wrote:\n%s\n", what, out.c_str());
  std::abort();
}

class EchoHandler : public runbox::server::Handler {
 public:
  asio::awaitable<Response> handle(Request req, runbox::server::RequestContext) override {
    Response res{runbox::server::http::status::ok, req.version()};
    res.keep_alive(req.keep_alive());
    if (req.method() != runbox::server::http::verb::head)
      res.body() = std::string(req.method_string()) + " " + std::string(req.target()) + "\n" + req.body();
    co_return res;
  }
  Response error(unsigned version, int status, const std::string& code, const std::string& message) override {
    Response res{static_cast<runbox::server::http::status>(status), version};
    res.body() = code + ": " + message;
    return res;
  }
};

// The client: sends the input, half-closes, reads everything the session writes.
asio::awaitable<void> client(unix_stream::socket& sock, std::string_view input, std::string& out) {
  auto [wec, wn] = co_await asio::async_write(sock, asio::buffer(input.data(), input.size()),
                                              asio::as_tuple(asio::use_awaitable));
  (void)wec;  // the session may close after an error answer before it read everything
  (void)wn;
  boost::system::error_code ignored;
  sock.shutdown(unix_stream::socket::shutdown_send, ignored);
  out.clear();
  char buf[4096];
  for (;;) {
    auto [ec, n] = co_await sock.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
    out.append(buf, n);
    if (ec) break;
  }
}

void check_answers(const std::string& out) {
  beast::error_code ec;
  std::size_t pos = 0;
  while (pos < out.size()) {
    runbox::server::http::response_parser<runbox::server::http::string_body> parser;
    parser.eager(true);
    parser.body_limit(boost::none);
    pos += parser.put(asio::buffer(out.data() + pos, out.size() - pos), ec);
    if (ec || !parser.is_done()) fail("an answer is not a whole HTTP response", out);
    const unsigned status = parser.get().result_int();
    const bool last = pos == out.size();
    if (status == 200) {
      if (!last && !parser.get().keep_alive()) fail("an answer after one that closed the connection", out);
      continue;
    }
    if (status != 400 && status != 413) fail("an answer is neither 200, 400 nor 413", out);
    if (!last || parser.get().keep_alive()) fail("an error answer is not the last of a closed connection", out);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  asio::io_context io;
  unix_stream::socket server_end(io), client_end(io);
  asio::local::connect_pair(server_end, client_end);
  EchoHandler handler;
  // A small body limit so short inputs reach the 413 path; a read timeout that an input cannot
  // hit (the client half-closes at once), so a hang is a finding (libFuzzer's -timeout).
  runbox::server::SessionLimits limits{.body_limit = 1024, .read_timeout = std::chrono::seconds(30)};
  asio::co_spawn(io, runbox::server::run_session(beast::basic_stream<unix_stream>(std::move(server_end)), handler, limits),
                 asio::detached);
  std::string out;
  asio::co_spawn(io, client(client_end, std::string_view(reinterpret_cast<const char*>(data), size), out),
                 asio::detached);
  io.run();
  check_answers(out);
  return 0;
}
