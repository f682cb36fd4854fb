#include "api/utf8_replace.hpp"

namespace runbox::api {
namespace {

struct Shape {
  int continuations;          // bytes after the lead
  unsigned char second_low;   // the second byte's range is narrower for some leads:
  unsigned char second_high;  // it excludes overlongs, surrogates and code points > U+10FFFF
};

// continuations < 0: the byte can never start a sequence.
Shape shape_of(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return {1, 0x80, 0xBF};
  if (lead == 0xE0) return {2, 0xA0, 0xBF};
  if (lead == 0xED) return {2, 0x80, 0x9F};
  if (lead >= 0xE1 && lead <= 0xEF) return {2, 0x80, 0xBF};
  if (lead == 0xF0) return {3, 0x90, 0xBF};
  if (lead >= 0xF1 && lead <= 0xF3) return {3, 0x80, 0xBF};
  if (lead == 0xF4) return {3, 0x80, 0x8F};
  return {-1, 0, 0};  // 0x80-0xC1 (stray continuation, overlong lead), 0xF5-0xFF
}

}  // namespace

Utf8Piece next_utf8_piece(std::string_view bytes, std::size_t i) {
  const auto lead = static_cast<unsigned char>(bytes[i]);
  if (lead < 0x80) return {1, true};
  const Shape shape = shape_of(lead);
  if (shape.continuations < 0) return {1, false};
  // Count how many bytes after the lead fit; the first misfit is not consumed, so it can start
  // the next sequence (this is what makes the bad subpart "maximal").
  int matched = 0;
  while (matched < shape.continuations && i + 1 + matched < bytes.size()) {
    const auto b = static_cast<unsigned char>(bytes[i + 1 + matched]);
    const bool fits = matched == 0 ? (b >= shape.second_low && b <= shape.second_high)
                                   : (b >= 0x80 && b <= 0xBF);
    if (!fits) break;
    ++matched;
  }
  return {1 + static_cast<std::size_t>(matched), matched == shape.continuations};
}

std::string utf8_replace(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const Utf8Piece piece = next_utf8_piece(bytes, i);
    if (piece.valid)
      out.append(bytes.substr(i, piece.length));
    else
      out += kUtf8Replacement;
    i += piece.length;
  }
  return out;
}

}  // namespace runbox::api
