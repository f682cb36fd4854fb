#pragma once
// runboxd's log: one JSON object per line on stderr (journald and log shippers take it as is),
// or `--log-format text` for a terminal. Every line has ts, level, event and msg (a sentence a
// person can read); the rest are fields of the event. Submitted code and program output are
// never logged at the default level: callers pass only metadata. What a line carries is escaped
// (log_escape.hpp): no message or field can end a line, forge the next one or drive a terminal.
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace runbox::logging {

enum class Format { json, text };
enum class Level { debug, info, warning, error };

// Process-wide; set once at start-up before threads log.
void set_format(Format format);
Format format();
void set_min_level(Level level);
// "json" | "text"; nullopt for anything else.
std::optional<Format> parse_format(std::string_view text);

// Writes one line atomically (a single write(2)), so lines from several threads never interleave.
void log(Level level, std::string_view event, std::string_view msg, boost::json::object fields = {});

inline void info(std::string_view event, std::string_view msg, boost::json::object fields = {}) {
  log(Level::info, event, msg, std::move(fields));
}
inline void warning(std::string_view event, std::string_view msg, boost::json::object fields = {}) {
  log(Level::warning, event, msg, std::move(fields));
}
inline void error(std::string_view event, std::string_view msg, boost::json::object fields = {}) {
  log(Level::error, event, msg, std::move(fields));
}

// The line as it would be written (without the newline); for tests.
std::string format_line(Format format, Level level, std::string_view event, std::string_view msg,
                        const boost::json::object& fields);

}  // namespace runbox::logging
