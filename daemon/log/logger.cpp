#include "log/logger.hpp"

#include <unistd.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <ctime>
#include <optional>

#include "log/log_escape.hpp"

namespace runbox::logging {
namespace {

std::atomic<Format> g_format{Format::json};
std::atomic<Level> g_min_level{Level::info};

const char* level_name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warning: return "warning";
    case Level::error: return "error";
  }
  return "info";
}

// RFC 3339 UTC with milliseconds: "2026-11-23T21:04:05.123Z".
std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms));
  return buf;
}

// A string bare when that is unambiguous (no space, '"', '=' or anything escape_text changes),
// else quoted; anything else as JSON, with what a terminal would act on escaped.
std::string text_value(const boost::json::value& v) {
  if (v.is_string()) {
    std::string_view s = v.get_string();
    std::string bare = escape_text(s);
    if (!s.empty() && bare == s && s.find_first_of(" \"=") == std::string_view::npos) return bare;
    return '"' + escape_text(s, true) + '"';
  }
  return json_terminal_safe(boost::json::serialize(v));
}

}  // namespace

void set_format(Format format) { g_format = format; }
Format format() { return g_format; }
void set_min_level(Level level) { g_min_level = level; }

std::optional<Format> parse_format(std::string_view text) {
  if (text == "json") return Format::json;
  if (text == "text") return Format::text;
  return std::nullopt;
}

std::string format_line(Format format, Level level, std::string_view event, std::string_view msg,
                        const boost::json::object& fields) {
  if (format == Format::text) {
    // "runboxd: <msg>  key=value ..." — the message first, for people.
    std::string line = "runboxd: ";
    if (level == Level::warning || level == Level::error) line += std::string(level_name(level)) + ": ";
    // Escaped: a message or field may hold what a client sent or a program printed.
    line += escape_text(msg);
    for (const auto& kv : fields) {
      line += "  ";
      line += escape_text(kv.key());
      line += '=';
      line += text_value(kv.value());
    }
    return line;
  }
  boost::json::object o;
  o["ts"] = now_rfc3339();
  o["level"] = level_name(level);
  o["event"] = event;
  o["msg"] = msg;
  for (const auto& kv : fields) o[kv.key()] = kv.value();
  return json_terminal_safe(boost::json::serialize(o));
}

void log(Level level, std::string_view event, std::string_view msg, boost::json::object fields) {
  if (level < g_min_level.load()) return;
  std::string line = format_line(g_format, level, event, msg, fields);
  line += '\n';
  // One write per line; stderr is unbuffered, and a short write on a pipe of this size is rare.
  for (std::size_t off = 0; off < line.size();) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace runbox::logging
