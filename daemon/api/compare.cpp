#include "api/compare.hpp"

#include <string>
#include <vector>

namespace runbox::api {
namespace {

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// The lines with their trailing whitespace cut, without the blank lines at the end.
std::vector<std::string_view> trimmed_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    while (!line.empty() && is_ascii_space(line.back())) line.remove_suffix(1);
    lines.push_back(line);
    pos = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::vector<std::string_view> tokens(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_ascii_space(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_ascii_space(text[i])) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

}  // namespace

bool compare_output(Compare mode, std::string_view expected, std::string_view actual) {
  switch (mode) {
    case Compare::exact:
      return expected == actual;
    case Compare::trim:
      return trimmed_lines(expected) == trimmed_lines(actual);
    case Compare::tokens:
      return tokens(expected) == tokens(actual);
  }
  return false;
}

}  // namespace runbox::api
