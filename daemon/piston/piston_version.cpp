#include "piston/piston_version.hpp"

#include <vector>

#include "api/split_words.hpp"

namespace runbox::piston {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

// A partial version "1", "1.2", "1.2.3", with "x", "X" or "*" for a missing part: how many
// parts are numbers (0..3) and their values.
struct Partial {
  int known = 0;
  unsigned long part[3] = {0, 0, 0};
};

std::optional<Partial> parse_partial(std::string_view s) {
  if (!s.empty() && (s[0] == 'v' || s[0] == '=')) s.remove_prefix(1);
  Partial p;
  if (s.empty()) return p;
  bool wild = false;
  for (int i = 0; i < 3; ++i) {
    std::size_t end = s.find('.');
    std::string_view piece = s.substr(0, end);
    if (piece == "x" || piece == "X" || piece == "*") {
      wild = true;
    } else {
      if (piece.empty() || piece.size() > 9 || wild) return std::nullopt;
      for (char c : piece)
        if (!digit(c)) return std::nullopt;
      p.part[i] = std::stoul(std::string(piece));
      p.known = i + 1;
    }
    if (end == std::string_view::npos) return p;
    s.remove_prefix(end + 1);
  }
  return std::nullopt;  // a fourth part, or a prerelease/build tag: none of runbox's
}

Version floor_of(const Partial& p) { return {p.part[0], p.part[1], p.part[2]}; }

// The first version above every version the partial covers ("1.2" → 1.3.0); nullopt for "*".
std::optional<Version> ceiling_of(const Partial& p) {
  switch (p.known) {
    case 0: return std::nullopt;
    case 1: return Version{p.part[0] + 1, 0, 0};
    case 2: return Version{p.part[0], p.part[1] + 1, 0};
    default: return Version{p.part[0], p.part[1], p.part[2] + 1};
  }
}

// [low, high): nullopt bounds are open.
struct Interval {
  std::optional<Version> low;   // inclusive
  std::optional<Version> high;  // exclusive
  bool contains(const Version& v) const { return (!low || v >= *low) && (!high || v < *high); }
};

std::optional<Interval> comparator(std::string_view c) {
  std::string_view op;
  for (std::string_view o : {">=", "<=", ">", "<", "=", "^", "~"})
    if (c.starts_with(o)) {
      op = o;
      break;
    }
  auto p = parse_partial(c.substr(op.size()));
  if (!p) return std::nullopt;
  const Version lo = floor_of(*p);
  const auto hi = ceiling_of(*p);
  if (op.empty() || op == "=") return Interval{lo, hi};
  if (op == ">=") return Interval{lo, std::nullopt};
  if (op == "<") return Interval{std::nullopt, lo};
  if (op == ">") return hi ? Interval{hi, std::nullopt} : Interval{Version{~0UL, 0, 0}, std::nullopt};
  if (op == "<=") return Interval{std::nullopt, hi};
  if (op == "~") return Interval{lo, p->known >= 2 ? Version{lo.major, lo.minor + 1, 0} : hi};
  // ^: the left-most non-zero part may not change.
  if (p->known == 0) return Interval{};
  if (lo.major > 0 || p->known == 1) return Interval{lo, Version{lo.major + 1, 0, 0}};
  if (lo.minor > 0 || p->known == 2) return Interval{lo, Version{0, lo.minor + 1, 0}};
  return Interval{lo, Version{0, 0, lo.patch + 1}};
}


// One range: comparators that must all hold, or "a - b".
std::optional<bool> range_satisfied(const Version& v, std::string_view range) {
  auto w = api::split_words(range);
  // node-semver allows a space between an operator and its version (">= 1.2").
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < w.size(); ++i) {
    std::string piece(w[i]);
    if ((piece == ">=" || piece == "<=" || piece == ">" || piece == "<" || piece == "=" || piece == "^" || piece == "~") &&
        i + 1 < w.size())
      piece += w[++i];
    parts.push_back(std::move(piece));
  }
  if (parts.size() == 3 && parts[1] == "-") {
    auto a = parse_partial(parts[0]), b = parse_partial(parts[2]);
    if (!a || !b) return std::nullopt;
    return Interval{floor_of(*a), ceiling_of(*b)}.contains(v);
  }
  bool all = true;
  for (const auto& c : parts) {
    auto interval = comparator(c);
    if (!interval) return std::nullopt;
    all = all && interval->contains(v);
  }
  return all;
}

}  // namespace

std::string Version::text() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

Version version_from_probe(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!digit(s[i]) || (i > 0 && digit(s[i - 1]))) continue;
    unsigned long part[3] = {0, 0, 0};
    int n = 0;
    std::size_t j = i;
    while (n < 3) {
      std::size_t k = j;
      while (k < s.size() && digit(s[k]) && k - j < 9) ++k;
      if (k == j) break;
      part[n++] = std::stoul(std::string(s.substr(j, k - j)));
      if (k < s.size() && s[k] == '.' && k + 1 < s.size() && digit(s[k + 1])) j = k + 1;
      else break;
    }
    if (n >= 2) return {part[0], part[1], part[2]};
  }
  return {};
}

std::optional<bool> satisfies(const Version& v, std::string_view selector) {
  bool any = false;
  std::size_t start = 0;
  for (;;) {
    std::size_t bar = selector.find("||", start);
    auto r = range_satisfied(v, selector.substr(start, bar == std::string_view::npos ? bar : bar - start));
    if (!r) return std::nullopt;
    any = any || *r;
    if (bar == std::string_view::npos) return any;
    start = bar + 2;
  }
}

}  // namespace runbox::piston
