#include "api/compare.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
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

// A token that is a whole number as strtod reads it ("3", "-2.5e3", "inf", "nan"); hex floats
// and anything with trailing text are not numbers.
std::optional<double> number(std::string_view token) {
  if (token.size() > 1 && (token[0] == '0' || ((token[0] == '-' || token[0] == '+') && token[1] == '0'))) {
    const std::size_t x = token[0] == '0' ? 1 : 2;
    if (x < token.size() && (token[x] == 'x' || token[x] == 'X')) return std::nullopt;
  }
  const std::string text(token);
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || text.empty()) return std::nullopt;
  return d;  // ERANGE: +-HUGE_VAL or a denormal, compared as such
}

// testlib's doubleCompare: equal within the absolute or the relative tolerance; two NaNs match,
// infinities only themselves.
bool numbers_match(double e, double a, FloatTolerance t) {
  if (std::isnan(e) || std::isnan(a)) return std::isnan(e) && std::isnan(a);
  if (std::isinf(e) || std::isinf(a)) return e == a;
  const double diff = std::fabs(e - a);
  return diff <= t.abs || diff <= t.rel * std::max(std::fabs(e), std::fabs(a));
}

// Token by token: numbers within the tolerance, any other token byte-equal.
bool float_tokens_match(std::string_view expected, std::string_view actual, FloatTolerance t) {
  const auto e = tokens(expected), a = tokens(actual);
  if (e.size() != a.size()) return false;
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (e[i] == a[i]) continue;
    const auto x = number(e[i]), y = number(a[i]);
    if (!x || !y || !numbers_match(*x, *y, t)) return false;
  }
  return true;
}

// The trimmed lines (as trim compares them), as a multiset.
bool lines_unordered_match(std::string_view expected, std::string_view actual) {
  auto e = trimmed_lines(expected), a = trimmed_lines(actual);
  if (e.size() != a.size()) return false;
  std::sort(e.begin(), e.end());
  std::sort(a.begin(), a.end());
  return e == a;
}

}  // namespace

bool compare_output(Compare mode, std::string_view expected, std::string_view actual, FloatTolerance tolerance) {
  switch (mode) {
    case Compare::exact:
      return expected == actual;
    case Compare::trim:
      return trimmed_lines(expected) == trimmed_lines(actual);
    case Compare::tokens:
      return tokens(expected) == tokens(actual);
    case Compare::float_tokens:
      return float_tokens_match(expected, actual, tolerance);
    case Compare::lines_unordered:
      return lines_unordered_match(expected, actual);
    case Compare::checker:
      return false;  // the job runs the checker (job/checker.hpp)
  }
  return false;
}

}  // namespace runbox::api
