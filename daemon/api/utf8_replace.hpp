#pragma once
#include <string>
#include <string_view>

namespace runbox::api {

// Valid UTF-8 passes through; each maximal ill-formed subpart (Unicode §3.9, "U+FFFD
// substitution of maximal subparts") becomes one U+FFFD — the same output as Python's
// bytes.decode("utf-8", errors="replace"). Used for program output in "utf8" encoding.
std::string utf8_replace(std::string_view bytes);

}  // namespace runbox::api
