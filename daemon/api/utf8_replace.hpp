#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace runbox::api {

// Valid UTF-8 passes through; each maximal ill-formed subpart (Unicode §3.9, "U+FFFD
// substitution of maximal subparts") becomes one U+FFFD — the same output as Python's
// bytes.decode("utf-8", errors="replace"). Used for program output in "utf8" encoding.
std::string utf8_replace(std::string_view bytes);

inline constexpr std::string_view kUtf8Replacement = "\xEF\xBF\xBD";  // U+FFFD

// The piece of `bytes` at index i (< size): a whole valid sequence (valid: keep its `length`
// bytes) or a maximal ill-formed subpart (not valid: its `length` bytes become one U+FFFD).
// utf8_replace is these pieces in order; the answer writer walks them without a copy.
struct Utf8Piece {
  std::size_t length;
  bool valid;
};
Utf8Piece next_utf8_piece(std::string_view bytes, std::size_t i);

}  // namespace runbox::api
