// The log line formats: JSON objects with ts, level, event, msg and the fields; text for people.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "log/log_escape.hpp"
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

namespace {

// Bytes a terminal acts on or that end a line: C0, DEL, and C1 (U+0080..U+009F, C2 80..C2 9F).
bool has_control_bytes(const std::string& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9f) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("log: the text format escapes control characters, backslashes and invalid UTF-8", "[log]") {
  // A message cannot end the line and forge the next one.
  std::string line = format_line(Format::text, Level::info, "request", "run x\nrunboxd: reloaded", {});
  CHECK(line == "runboxd: run x\\nrunboxd: reloaded");
  // A client-chosen value without a space: escaped and quoted, not written bare.
  line = format_line(Format::text, Level::info, "request", "m", {{"runtime", "py\x1b[2J\r\x7f"}});
  CHECK(line == "runboxd: m  runtime=\"py\\x1b[2J\\r\\x7f\"");
  // C1 (CSI as UTF-8), a lone byte of invalid UTF-8, a tab, a backslash; valid UTF-8 stays.
  line = format_line(Format::text, Level::warning, "x", "a\xc2\x9b" "1m\xff\tb\\c h\xc3\xa9 \xe2\x9c\x93", {});
  CHECK(line == "runboxd: warning: a\\xc2\\x9b1m\\xff\\tb\\\\c h\xc3\xa9 \xe2\x9c\x93");
  // Truncated and overlong sequences and encoded surrogates are invalid bytes, one by one.
  CHECK(escape_text("\xe2\x9c") == "\\xe2\\x9c");
  CHECK(escape_text("\xc0\xaf") == "\\xc0\\xaf");
  CHECK(escape_text("\xed\xa0\x80") == "\\xed\\xa0\\x80");
  CHECK(escape_text("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");  // U+1F600 is fine
  // Quotes inside a quoted value; keys are escaped too.
  line = format_line(Format::text, Level::info, "x", "m", {{"why", "say \"hi\""}, {"k\ney", "v"}});
  CHECK(line == "runboxd: m  why=\"say \\\"hi\\\"\"  k\\ney=v");
  // Arrays and objects (the runtimes' versions are what probes printed).
  line = format_line(Format::text, Level::info, "start", "m",
                     {{"runtimes", boost::json::array{boost::json::object{{"version", "v\x7f\x1b" "1\xc2\x85"}}}}});
  CHECK_FALSE(has_control_bytes(line));
  CHECK_THAT(line, Catch::Contains("\\u007f") && Catch::Contains("\\u001b") && Catch::Contains("\\u0085"));
  for (const char* s : {"\n", "\x1b", "\x7f", "\xc2\x9b", "\x01\x02\x1f", "\xc2\x80"})
    CHECK_FALSE(has_control_bytes(format_line(Format::text, Level::error, "e", s, {{"f", s}, {s, 1}})));
}

TEST_CASE("log: a JSON line stays valid UTF-8 JSON, DEL and C1 escaped, whatever the strings hold", "[log]") {
  std::string line = format_line(Format::json, Level::warning, "unauthorized", "GET /\xff\xfe\x1b[31m\x7f\xc2\x9b refused",
                                 {{"target", "/\xc3\x28"}, {"ok", "h\xc3\xa9"}});
  INFO(line);
  CHECK_FALSE(has_control_bytes(line));
  // boost::json::parse validates UTF-8: raw invalid bytes would make it throw.
  auto v = boost::json::parse(line).as_object();
  CHECK(v.at("msg") == "GET /\xef\xbf\xbd\xef\xbf\xbd\x1b[31m\x7f\xc2\x9b refused");
  CHECK(v.at("target") == "/\xef\xbf\xbd(");
  CHECK(v.at("ok") == "h\xc3\xa9");
  CHECK_THAT(line, Catch::Contains("\\u001b[31m\\u007f\\u009b"));
}
