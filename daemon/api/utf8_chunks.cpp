#include "api/utf8_chunks.hpp"

#include "api/utf8_replace.hpp"

namespace runbox::api {
namespace {

// Bytes at the end of s that begin a multi-byte character not complete yet (0 to 3).
std::size_t unfinished_tail(std::string_view s) {
  const std::size_t n = s.size();
  for (std::size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(s[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    std::size_t need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

}  // namespace

std::string Utf8Chunks::push(std::string_view bytes) {
  carry_.append(bytes);
  const std::size_t keep = unfinished_tail(carry_);
  std::string out = utf8_replace(std::string_view(carry_).substr(0, carry_.size() - keep));
  carry_.erase(0, carry_.size() - keep);
  return out;
}

std::string Utf8Chunks::flush() {
  std::string out = utf8_replace(carry_);
  carry_.clear();
  return out;
}

}  // namespace runbox::api
