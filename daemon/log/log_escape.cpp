#include "log/log_escape.hpp"

#include <cstdint>
#include <cstdio>

namespace runbox::logging {
namespace {

// The length of the well-formed UTF-8 sequence at s[i] (Unicode Table 3-7: no overlong forms,
// no surrogates, nothing past U+10FFFF) and its code point; 0 when ill-formed.
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  cp = c & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) cp = cp << 6 | (b(k) & 0x3F);
  return n;
}

bool is_control(char32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

void append_hex(std::string& out, const char* format, unsigned value) {
  char buf[8];
  std::snprintf(buf, sizeof buf, format, value);
  out += buf;
}

}  // namespace

std::string escape_text(std::string_view s, bool quote) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const std::size_t n = utf8_sequence(s, i, cp);
    if (n == 0) {  // one byte of invalid UTF-8
      append_hex(out, "\\x%02x", static_cast<unsigned char>(s[i]));
      ++i;
      continue;
    }
    if (cp == '\\') out += "\\\\";
    else if (quote && cp == '"') out += "\\\"";
    else if (cp == '\n') out += "\\n";
    else if (cp == '\t') out += "\\t";
    else if (cp == '\r') out += "\\r";
    else if (is_control(cp))  // its bytes as they were (C1 is two in UTF-8)
      for (std::size_t k = 0; k < n; ++k) append_hex(out, "\\x%02x", static_cast<unsigned char>(s[i + k]));
    else out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

std::string json_terminal_safe(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (std::size_t i = 0; i < json.size();) {
    char32_t cp = 0;
    const std::size_t n = utf8_sequence(json, i, cp);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (cp >= 0x7F && cp <= 0x9F) append_hex(out, "\\u%04x", static_cast<unsigned>(cp));
    else out.append(json.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace runbox::logging
