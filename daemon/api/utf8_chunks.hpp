#pragma once
// Output streamed in pieces as the program writes it: a read may end inside a multi-byte UTF-8
// character. In "utf8" encoding each piece is cut at the last whole character and the few bytes
// of an unfinished one wait for the next piece, so a character split across two reads is not
// turned into two U+FFFD.
#include <string>
#include <string_view>

namespace runbox::api {

class Utf8Chunks {
 public:
  // The text to send for `bytes` (invalid bytes become U+FFFD, as in the answer).
  std::string push(std::string_view bytes);
  // What is left at the end of the stream (an unfinished character: U+FFFD).
  std::string flush();

 private:
  std::string carry_;
};

}  // namespace runbox::api
