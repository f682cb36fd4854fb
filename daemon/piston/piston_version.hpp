#pragma once
// Piston's versions: a SemVer string per runtime, derived from the version runbox probed
// ("Python 3.11.2" → 3.11.2), and the selector a request names ("*", "3.x", "3.11.2",
// ">=3.10 <3.12", "^3", "~3.11", "1.2 - 2.x", "a || b"), matched as node-semver matches
// (Piston uses semver.satisfies). runbox versions have no prerelease part.
#include <optional>
#include <string>
#include <string_view>

namespace runbox::piston {

struct Version {
  unsigned long major = 0, minor = 0, patch = 0;
  auto operator<=>(const Version&) const = default;
  std::string text() const;  // "3.11.2"
};

// The first "N.N" or "N.N.N" in the probed text (missing parts are 0); 0.0.0 when there is none.
Version version_from_probe(std::string_view probed);

// Whether v satisfies the selector; nullopt when the selector is not one node-semver would parse.
std::optional<bool> satisfies(const Version& v, std::string_view selector);

}  // namespace runbox::piston
