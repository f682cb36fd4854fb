// What a client sends reaches the log escaped, on the real daemon: a request target holding C1
// CSI (U+009B, "\xc2\x9b31m": red on a terminal) and a byte of invalid UTF-8 is logged by the
// 401 warning. JSON lines stay valid UTF-8 JSON; text lines show the bytes as \xNN.
#include <catch2/catch.hpp>

#include "daemon_process.hpp"
#include "http_client.hpp"
#include "ops_support.hpp"

using namespace runbox::test;

namespace {

const std::string kTarget = "/v1/runtimes\xc2\x9b" "31m\xff";

// A daemon with a keys file (so an anonymous request is refused and logged), in `format`.
std::string log_of_hostile_request(const std::string& format) {
  TempDir dir;
  write_keys_file(dir.path() / "keys.toml", {{"frontend", "rb_log_escape_key_5e2a9c1d7b30"}});
  DaemonOptions o;
  o.slots = 1;
  o.extra_args = {"--keys", (dir.path() / "keys.toml").string(), "--log-format", format};
  DaemonProcess d(o);
  RawConnection c(d.port());
  REQUIRE(c.send_all("GET " + kTarget + " HTTP/1.1\r\nHost: runbox\r\n\r\n"));
  auto r = c.read_response(std::chrono::seconds(10));
  REQUIRE(r);
  CHECK(r->status == 401);
  REQUIRE(eventually([&] { return d.stderr_log().find("refused: 401") != std::string::npos; },
                     std::chrono::seconds(10)));
  return d.stderr_log();
}

}  // namespace

TEST_CASE("logs: a hostile request target is escaped in JSON and text lines", "[ops]") {
  require_images({"python"});
  {
    const std::string log = log_of_hostile_request("json");
    INFO(log);
    CHECK(log.find('\xff') == std::string::npos);
    CHECK(log.find("\xc2\x9b") == std::string::npos);
    std::string bad_line;
    auto lines = log_objects(log, &bad_line);
    CHECK(bad_line.empty());  // every line parses (Boost.JSON checks UTF-8)
    bool found = false;
    for (const auto& o : lines)
      if (o.at("event") == "unauthorized") {
        found = true;
        // C1 kept as the character it was (escaped as \u009b), the invalid byte as U+FFFD.
        CHECK(o.at("msg") == "GET /v1/runtimes\xc2\x9b" "31m\xef\xbf\xbd refused: 401");
      }
    CHECK(found);
  }
  {
    const std::string log = log_of_hostile_request("text");
    INFO(log);
    CHECK(log.find('\xff') == std::string::npos);
    CHECK(log.find("\xc2\x9b") == std::string::npos);
    CHECK(log.find("runboxd: warning: GET /v1/runtimes\\xc2\\x9b31m\\xff refused: 401") != std::string::npos);
  }
}
