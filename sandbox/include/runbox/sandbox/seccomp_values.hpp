#pragma once
// Sets of argument values as single-argument comparisons. libseccomp takes one comparison per
// argument in a rule (AND), and a rule per alternative (OR), so a set is written as a union of
// single comparisons: eq, le, ge, and aligned power-of-two blocks as masked_eq.
// Public for the TOML format (daemon/seccomp_files), whose not_in is written this way.
#include <cstdint>
#include <optional>
#include <vector>

#include "runbox/sandbox/seccomp.hpp"

namespace runbox::sandbox::seccomp_detail {

// The comparisons on argument `index` whose union is exactly the values NOT in `values`.
// Empty when `values` is every value (it cannot be: callers pass a finite set).
std::vector<SeccompArgCmp> outside_values(std::vector<std::uint64_t> values, unsigned index);

// The argument values none of `cmps` matches, as comparisons whose union is exactly that set;
// `cmps` all compare the same argument. nullopt when that set has no such form here (mixes
// masked_eq bit tests with ordered comparisons, or several masked_eq that are not single-bit
// tests). A masked_eq that is an aligned block (as outside_values writes) counts as a range.
// An empty result means every value matches one of `cmps`.
std::optional<std::vector<SeccompArgCmp>> complement(const std::vector<SeccompArgCmp>& cmps);

}  // namespace runbox::sandbox::seccomp_detail
