#pragma once
// Escaping for log lines. A log line carries what clients sent (a URL, a runtime name) and what
// programs printed (a version string): none of it may end the line (forging the next one), or
// reach a terminal as a control sequence (ESC, CSI, DEL), or make a JSON line unparsable.
#include <string>
#include <string_view>

namespace runbox::logging {

// For the text format: valid UTF-8 text stays; the backslash becomes \\, newline, tab and
// carriage return \n \t \r, every other control character (C0, DEL, C1 U+0080..U+009F) and every
// byte of invalid UTF-8 \xNN (the bytes as they were). With quote, '"' becomes \" too.
std::string escape_text(std::string_view s, bool quote = false);

// For a serialised JSON line (Boost.JSON already escapes C0, '"' and '\'): DEL and C1 become
// \u00NN and each byte of invalid UTF-8 \ufffd, so the line is valid UTF-8 JSON and raw on a
// terminal harmless. Outside strings a JSON text has no such bytes, so this is safe on the whole.
std::string json_terminal_safe(std::string_view json);

}  // namespace runbox::logging
