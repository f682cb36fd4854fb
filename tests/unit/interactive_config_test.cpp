// runboxd.toml's [interactive] table, and the utf8 cutting of streamed output.
#include <catch2/catch.hpp>

#include "api/utf8_chunks.hpp"
#include "config_refusal.hpp"
#include "config/config_error.hpp"
#include "config/daemon_config.hpp"

using namespace runbox::config;

using runbox::test::config_refusal;

TEST_CASE("interactive config: defaults, every key read, bad values refused with the field", "[interactive]") {
  const auto d = parse_daemon_config("", "runboxd.toml", "/etc/runbox").interactive;
  CHECK(d.enabled);
  CHECK(d.max_sessions == 0);
  CHECK(d.idle_input_ms == 30000);
  CHECK(d.start_timeout_ms == 10000);
  CHECK(d.max_message_bytes == 1024 * 1024);
  const auto c = parse_daemon_config(
                     "[interactive]\nenabled = false\nmax_sessions = 3\nidle_input_ms = 500\nstart_timeout_ms = 200\n"
                     "max_message_bytes = 4096\n",
                     "runboxd.toml", "/etc/runbox")
                     .interactive;
  CHECK_FALSE(c.enabled);
  CHECK(c.max_sessions == 3);
  CHECK(c.idle_input_ms == 500);
  CHECK(c.start_timeout_ms == 200);
  CHECK(c.max_message_bytes == 4096);
  CHECK_THAT(config_refusal("[interactive]\nidle = 3\n"), Catch::Contains("interactive.idle"));
  CHECK_THAT(config_refusal("[interactive]\nenabled = 1\n"), Catch::Contains("interactive.enabled"));
  CHECK_THAT(config_refusal("[interactive]\nidle_input_ms = 5\n"), Catch::Contains("interactive.idle_input_ms"));
  CHECK_THAT(config_refusal("[interactive]\nstart_timeout_ms = 0\n"), Catch::Contains("interactive.start_timeout_ms"));
  CHECK_THAT(config_refusal("[interactive]\nmax_message_bytes = 10\n"), Catch::Contains("interactive.max_message_bytes"));
}

TEST_CASE("interactive output: a character split across reads stays whole, bad bytes become U+FFFD", "[interactive]") {
  runbox::api::Utf8Chunks c;
  const std::string euro = "\xE2\x82\xAC";  // 3 bytes
  CHECK(c.push("a" + euro.substr(0, 1)) == "a");
  CHECK(c.push(euro.substr(1, 1)).empty());
  CHECK(c.push(euro.substr(2) + "b") == euro + "b");
  CHECK(c.push("\xF0\x9F").empty());  // half of a 4-byte character
  CHECK(c.flush() == "\xEF\xBF\xBD");  // the stream ended first: one U+FFFD, as Python's "replace"
  CHECK(c.push("x\xFFy") == "x\xEF\xBF\xBDy");
  CHECK(c.flush().empty());
}
