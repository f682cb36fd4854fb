#pragma once
// How many JSON values a text holds, counted by Boost.JSON's SAX parser without building any:
// a parsed value costs the daemon ~16 bytes plus the parser's stack, so a 10 MB body of "[]," or
// "0," (3.5 million values) took ~250 MB to parse into a DOM. Counting first bounds that.
#include <cstddef>
#include <string_view>

namespace runbox::api {

// True when `text` holds at most `max_values` values (objects, arrays, keys' values, scalars),
// or is not JSON at all (the real parse then says why).
bool json_values_at_most(std::string_view text, std::size_t max_values, std::size_t max_depth);

}  // namespace runbox::api
