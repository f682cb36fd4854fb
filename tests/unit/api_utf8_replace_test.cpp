#include <catch2/catch.hpp>

#include <string>

#include "api/utf8_replace.hpp"

using runbox::api::utf8_replace;

namespace {
const std::string R = "\xEF\xBF\xBD";  // U+FFFD
std::string R_times(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += R;
  return s;
}
}  // namespace

// Expected values are Python 3.11's bytes.decode("utf-8", errors="replace").

TEST_CASE("api utf8_replace: valid UTF-8 passes through unchanged", "[api]") {
  CHECK(utf8_replace("") == "");
  CHECK(utf8_replace("hello\n") == "hello\n");
  CHECK(utf8_replace(std::string("a\0b", 3)) == std::string("a\0b", 3));
  CHECK(utf8_replace("\xe2\x82\xac") == "\xe2\x82\xac");                  // U+20AC
  CHECK(utf8_replace("a\xf0\x9f\x98\x80" "b") == "a\xf0\x9f\x98\x80" "b");  // U+1F600
  CHECK(utf8_replace("\xed\x9f\xbf") == "\xed\x9f\xbf");                  // U+D7FF, below surrogates
  CHECK(utf8_replace("\xee\x80\x80") == "\xee\x80\x80");                  // U+E000, above them
  CHECK(utf8_replace("\xef\xbf\xbf") == "\xef\xbf\xbf");                  // U+FFFF
  CHECK(utf8_replace("\xf4\x8f\xbf\xbf") == "\xf4\x8f\xbf\xbf");          // U+10FFFF
  CHECK(utf8_replace(R) == R);
}

TEST_CASE("api utf8_replace: truncated sequences become one U+FFFD", "[api]") {
  CHECK(utf8_replace("\xff") == R);
  CHECK(utf8_replace("\xc2") == R);
  CHECK(utf8_replace("\xe2\x82") == R);
  CHECK(utf8_replace("\xe0\xa0") == R);
  CHECK(utf8_replace("\xf0\x9f\x98") == R);
  CHECK(utf8_replace("\xe2\x82" "A") == R + "A");  // the misfit byte is kept
  CHECK(utf8_replace("\xf0\x9f\x98\xf0\x9f\x98\x80") == R + "\xf0\x9f\x98\x80");
  CHECK(utf8_replace("\xc2\xc2\xa9") == R + "\xc2\xa9");
}

TEST_CASE("api utf8_replace: overlongs, surrogates and too-high code points, byte by byte", "[api]") {
  CHECK(utf8_replace("\xc0\x80") == R_times(2));
  CHECK(utf8_replace("\xe0\x80\x80") == R_times(3));
  CHECK(utf8_replace("\xf0\x80\x80\x80") == R_times(4));
  CHECK(utf8_replace("\xed\xa0\x80") == R_times(3));
  CHECK(utf8_replace("\xf4\x90\x80\x80") == R_times(4));
  CHECK(utf8_replace("\xf8\x88\x80\x80\x80") == R_times(5));
  CHECK(utf8_replace("\x80\x80") == R_times(2));
}

TEST_CASE("api utf8_replace: the Unicode 3.9 mixed example", "[api]") {
  // Unicode Standard Table 3-8's kind of input: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64.
  CHECK(utf8_replace("a\xf1\x80\x80\xe1\x80\xc2" "b\x80" "c\x80\xbf" "d") ==
        "a" + R_times(3) + "b" + R + "c" + R_times(2) + "d");
}
