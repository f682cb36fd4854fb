#pragma once
// Whitespace-separated words, no quoting: how the facades read a command line another API
// passes as one string (Judge0's command_line_arguments) and a SemVer range's comparators.
#include <string_view>
#include <vector>

namespace runbox::api {

std::vector<std::string_view> split_words(std::string_view text);

}  // namespace runbox::api
