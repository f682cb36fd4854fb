#include "judge0/callback.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

#include "log/logger.hpp"

namespace runbox::judge0 {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr int kTries = 3;  // Judge0's CALLBACKS_MAX_TRIES
constexpr auto kTimeout = std::chrono::seconds(5);

// One PUT; the receiver's HTTP status, or 0 when it could not be reached.
asio::awaitable<int> put_once(const HttpUrl& url, const std::string& body) {
  auto exec = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(exec);
  beast::tcp_stream stream(exec);
  stream.expires_after(kTimeout);
  auto endpoints = co_await resolver.async_resolve(url.host, url.port, asio::use_awaitable);
  co_await stream.async_connect(endpoints, asio::use_awaitable);
  http::request<http::string_body> req{http::verb::put, url.target, 11};
  req.set(http::field::host, url.host + ":" + url.port);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::user_agent, "runboxd (Judge0 CE API)");
  req.body() = body;
  req.prepare_payload();
  co_await http::async_write(stream, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  co_await http::async_read(stream, buffer, res, asio::use_awaitable);
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  co_return static_cast<int>(res.result_int());
}

asio::awaitable<void> deliver(HttpUrl url, std::string token, std::string body) {
  std::string last;
  for (int attempt = 1; attempt <= kTries; ++attempt) {
    try {
      const int status = co_await put_once(url, body);
      if (status >= 200 && status < 300) co_return;
      last = "HTTP " + std::to_string(status);
    } catch (const std::exception& e) {
      last = e.what();
    }
    if (attempt < kTries) {
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::seconds(1));
      co_await pause.async_wait(asio::use_awaitable);
    }
  }
  logging::warning("judge0_callback", "judge0 callback for " + token + " failed after " + std::to_string(kTries) +
                                          " tries: " + last,
                   {{"token", token}, {"host", url.host}, {"error", last}});
}

}  // namespace

void send_callback(asio::any_io_executor exec, HttpUrl url, std::string token, std::string body) {
  asio::co_spawn(exec, deliver(std::move(url), std::move(token), std::move(body)), asio::detached);
}

}  // namespace runbox::judge0
