#include "runbox/sandbox/seccomp_values.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <utility>

namespace runbox::sandbox::seccomp_detail {
namespace {

using Op = SeccompArgCmp::Op;
constexpr std::uint64_t max_value = std::numeric_limits<std::uint64_t>::max();
using Interval = std::pair<std::uint64_t, std::uint64_t>;  // inclusive

// Sorted, merged.
std::vector<Interval> normalise(std::vector<Interval> v) {
  std::sort(v.begin(), v.end());
  std::vector<Interval> out;
  for (const auto& i : v) {
    if (!out.empty() && (out.back().second == max_value || i.first <= out.back().second + 1))
      out.back().second = std::max(out.back().second, i.second);
    else
      out.push_back(i);
  }
  return out;
}

std::vector<Interval> outside(const std::vector<Interval>& sorted) {
  std::vector<Interval> out;
  std::uint64_t next = 0;  // first value not yet covered
  bool done = false;
  for (const auto& [lo, hi] : sorted) {
    if (lo > next) out.emplace_back(next, lo - 1);
    if (hi == max_value) { done = true; break; }
    next = hi + 1;
  }
  if (!done) out.emplace_back(next, max_value);
  return out;
}

// masked_eq(~(2^k - 1), v) with v's low k bits clear is the range v .. v + 2^k - 1 (what
// append_interval writes for a block).
bool is_block(const SeccompArgCmp& c) {
  const std::uint64_t low = ~c.value;  // 2^k - 1 when the mask is high ones, low zeros
  return c.op == Op::masked_eq && (low & (low + 1)) == 0 && (c.value_two & low) == 0;
}

std::vector<Interval> matched_by(const SeccompArgCmp& c) {
  if (is_block(c)) return {{c.value_two, c.value_two | ~c.value}};
  const std::uint64_t v = c.value;
  switch (c.op) {
    case Op::eq: return {{v, v}};
    case Op::ne: {
      std::vector<Interval> r;
      if (v > 0) r.emplace_back(0, v - 1);
      if (v < max_value) r.emplace_back(v + 1, max_value);
      return r;
    }
    case Op::lt: return v == 0 ? std::vector<Interval>{} : std::vector<Interval>{{0, v - 1}};
    case Op::le: return {{0, v}};
    case Op::gt: return v == max_value ? std::vector<Interval>{} : std::vector<Interval>{{v + 1, max_value}};
    case Op::ge: return {{v, max_value}};
    case Op::masked_eq: break;
  }
  return {};  // masked_eq is not handled as intervals
}

// One interval as few single comparisons: eq, le, ge, else aligned blocks (at most 2 per bit).
void append_interval(std::vector<SeccompArgCmp>& out, unsigned index, std::uint64_t lo, std::uint64_t hi) {
  if (lo == hi) { out.push_back({index, Op::eq, lo, 0}); return; }
  if (lo == 0) { out.push_back({index, Op::le, hi, 0}); return; }
  if (hi == max_value) { out.push_back({index, Op::ge, lo, 0}); return; }
  while (true) {
    // The largest block starting at lo, aligned to its size, that ends by hi.
    unsigned bits = static_cast<unsigned>(std::countr_zero(lo));  // lo > 0 here
    while (bits > 0 && hi - lo < (std::uint64_t{1} << bits) - 1) --bits;
    const std::uint64_t size_minus_one = (std::uint64_t{1} << bits) - 1;
    if (size_minus_one == 0) out.push_back({index, Op::eq, lo, 0});
    else out.push_back({index, Op::masked_eq, ~size_minus_one, lo});
    if (lo + size_minus_one == hi) return;
    lo += size_minus_one + 1;
  }
}

std::vector<SeccompArgCmp> as_cmps(const std::vector<Interval>& intervals, unsigned index) {
  std::vector<SeccompArgCmp> out;
  for (const auto& [lo, hi] : intervals) append_interval(out, index, lo, hi);
  return out;
}

}  // namespace

std::vector<SeccompArgCmp> outside_values(std::vector<std::uint64_t> values, unsigned index) {
  std::vector<Interval> set;
  for (auto v : values) set.emplace_back(v, v);
  return as_cmps(outside(normalise(std::move(set))), index);
}

std::optional<std::vector<SeccompArgCmp>> complement(const std::vector<SeccompArgCmp>& cmps) {
  if (cmps.empty()) return std::nullopt;
  const unsigned index = cmps.front().index;
  std::size_t masked = 0;
  for (const auto& c : cmps) {
    if (c.index != index) return std::nullopt;
    masked += c.op == Op::masked_eq && !is_block(c);
  }
  if (masked == 0) {
    std::vector<Interval> set;
    for (const auto& c : cmps)
      for (const auto& i : matched_by(c)) set.push_back(i);
    return as_cmps(outside(normalise(std::move(set))), index);
  }
  if (masked != cmps.size()) return std::nullopt;  // bit tests mixed with ranges
  // masked_eq: value is the mask, value_two the datum: (arg & value) == value_two.
  if (cmps.size() == 1) {
    const std::uint64_t mask = cmps[0].value, datum = cmps[0].value_two;
    if ((datum & ~mask) != 0) return std::vector<SeccompArgCmp>{{index, Op::ge, 0, 0}};  // never matches
    std::vector<SeccompArgCmp> out;  // some bit of the mask differs from the datum
    for (unsigned b = 0; b < 64; ++b) {
      const std::uint64_t bit = std::uint64_t{1} << b;
      if (mask & bit) out.push_back({index, Op::masked_eq, bit, (datum & bit) ^ bit});
    }
    return out;  // empty when mask == 0: every value matches
  }
  // Several "this bit is set" tests (one per CLONE_NEW* flag): none matches when all are clear.
  std::uint64_t bits = 0;
  for (const auto& c : cmps) {
    if (std::popcount(c.value) != 1 || c.value_two != c.value) return std::nullopt;
    bits |= c.value;
  }
  return std::vector<SeccompArgCmp>{{index, Op::masked_eq, bits, 0}};
}

}  // namespace runbox::sandbox::seccomp_detail
