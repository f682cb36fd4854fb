// runboxd.toml's [judge0] table: defaults, every key, and refusals naming the field.
#include <catch2/catch.hpp>

#include "config_refusal.hpp"
#include "config/config_error.hpp"
#include "config/daemon_config.hpp"

using namespace runbox::config;

using runbox::test::config_refusal;

TEST_CASE("judge0 config: on by default, every key read, relative store beside the file", "[judge0]") {
  const auto d = parse_daemon_config("", "runboxd.toml", "/etc/runbox").judge0;
  CHECK(d.enabled);
  CHECK(d.prefix == "/judge0");
  CHECK(d.store == "/var/lib/runbox/judge0.sqlite");
  CHECK(d.token_ttl_s == 86400);
  CHECK(d.max_submissions == 10000);
  CHECK(d.callback_hosts.empty());
  CHECK_FALSE(parse_daemon_config("[judge0]\nenabled = false\n", "runboxd.toml", "/etc/runbox").judge0.enabled);
  const auto c = parse_daemon_config(R"J([judge0]
enabled = true
prefix = "/api/judge0"
store = "j0.sqlite"
token_ttl_s = 60
max_submissions = 5
callback_hosts = ["127.0.0.1"]
)J",
                                     "runboxd.toml", "/etc/runbox")
                     .judge0;
  CHECK(c.enabled);
  CHECK(c.prefix == "/api/judge0");
  CHECK(c.store == "/etc/runbox/j0.sqlite");
  CHECK(c.token_ttl_s == 60);
  CHECK(c.max_submissions == 5);
  CHECK(c.callback_hosts == std::vector<std::string>{"127.0.0.1"});
}

TEST_CASE("judge0 config: bad values are refused with the field", "[judge0]") {
  CHECK_THAT(config_refusal("[judge0]\nenable = true\n"), Catch::Contains("judge0.enable"));
  CHECK_THAT(config_refusal("[judge0]\nenabled = 1\n"), Catch::Contains("judge0.enabled"));
  for (const char* prefix : {"\"judge0\"", "\"/judge0/\"", "\"/\"", "\"/v1/judge0\""})
    CHECK_THAT(config_refusal(std::string("[judge0]\nprefix = ") + prefix + "\n"), Catch::Contains("judge0.prefix"));
  CHECK_THAT(config_refusal("[judge0]\ntoken_ttl_s = 0\n"), Catch::Contains("judge0.token_ttl_s"));
  CHECK_THAT(config_refusal("[judge0]\nmax_submissions = 0\n"), Catch::Contains("judge0.max_submissions"));
  CHECK_THAT(config_refusal("judge0 = 3\n"), Catch::Contains("judge0"));
}
