// Origin and Host screening (server/request_screen): what a browser page or a DNS-rebinding
// name can send, and what loopback clients send.
#include "server/request_screen.hpp"

#include <catch2/catch.hpp>

using runbox::server::host_allowed;
using runbox::server::origin_allowed;

TEST_CASE("request screen: Host names this server by localhost, an IP literal or a configured name", "[screen]") {
  const std::vector<std::string> none, names{"judge.internal"};
  for (const char* ok : {"localhost", "localhost:8080", "LocalHost", "localhost.", "127.0.0.1", "127.0.0.1:8080",
                         "10.1.2.3:80", "[::1]", "[::1]:8080", "[fe80::1]:1"}) {
    INFO(ok);
    CHECK(host_allowed(ok, none));
  }
  for (const char* bad : {"", "evil.example", "evil.example:8080", "localhost.evil.example", "127.0.0.1.nip.io",
                          "judge.internal", "[::1", "[::1]x", "[evil]:80", "localhost:", "localhost:80a",
                          "localhost:123456", ":8080"}) {
    INFO(bad);
    CHECK_FALSE(host_allowed(bad, none));
  }
  CHECK(host_allowed("judge.internal", names));
  CHECK(host_allowed("Judge.Internal:8443", names));
  CHECK_FALSE(host_allowed("judge.internal.evil", names));
}

TEST_CASE("request screen: an Origin is allowed only when listed, exactly", "[screen]") {
  const std::vector<std::string> allowed{"https://judge.example"};
  CHECK(origin_allowed("https://judge.example", allowed));
  CHECK(origin_allowed("HTTPS://JUDGE.EXAMPLE", allowed));
  CHECK_FALSE(origin_allowed("https://judge.example:444", allowed));
  CHECK_FALSE(origin_allowed("http://judge.example", allowed));
  CHECK_FALSE(origin_allowed("null", allowed));
  CHECK_FALSE(origin_allowed("", allowed));
  CHECK_FALSE(origin_allowed("https://judge.example", {}));
}
