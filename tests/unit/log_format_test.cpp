// The log line formats: JSON objects with ts, level, event, msg and the fields; text for people.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "log/logger.hpp"

using namespace runbox::logging;

TEST_CASE("log: a JSON line is one object with the standard keys and the fields", "[log]") {
  std::string line = format_line(Format::json, Level::info, "request", "run abc: ok",
                                 {{"id", "abc"}, {"cpu_ms", 12}, {"key", "frontend"}});
  CHECK(line.find('\n') == std::string::npos);
  auto v = boost::json::parse(line).as_object();
  CHECK(v.at("level") == "info");
  CHECK(v.at("event") == "request");
  CHECK(v.at("msg") == "run abc: ok");
  CHECK(v.at("cpu_ms") == 12);
  CHECK(v.at("key") == "frontend");
  std::string ts(v.at("ts").as_string());
  CHECK(ts.size() == 24);
  CHECK(ts.back() == 'Z');
}

TEST_CASE("log: newlines and quotes in a message stay inside the JSON string", "[log]") {
  std::string line = format_line(Format::json, Level::error, "reload_refused", "bad \"file\"\nline 2", {});
  CHECK(line.find('\n') == std::string::npos);
  CHECK(boost::json::parse(line).as_object().at("msg") == "bad \"file\"\nline 2");
}

TEST_CASE("log: the text format starts with the message", "[log]") {
  CHECK(format_line(Format::text, Level::info, "listening", "listening on 127.0.0.1:80", {{"address", "127.0.0.1:80"}}) ==
        "runboxd: listening on 127.0.0.1:80  address=127.0.0.1:80");
  CHECK(format_line(Format::text, Level::warning, "x", "careful", {{"why", "two words"}}) ==
        "runboxd: warning: careful  why=\"two words\"");
  CHECK(parse_format("json") == Format::json);
  CHECK(parse_format("text") == Format::text);
  CHECK_FALSE(parse_format("xml"));
}
