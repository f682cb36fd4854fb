#pragma once
// runbox's runtimes as Piston names them: the language (Piston's name, "python" for python3,
// "c++" for cpp), its aliases (runbox's name and aliases besides), the package ("gcc", "node")
// where Piston's package provides several languages, and the SemVer version.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "piston/piston_version.hpp"
#include "service/runtime_catalog.hpp"

namespace runbox::piston {

struct PistonRuntime {
  const service::RuntimeState* state;
  std::string language;
  std::vector<std::string> aliases;
  std::optional<std::string> runtime;  // Piston's package name, when it provides more than one language
  Version version;
};

PistonRuntime piston_runtime(const service::RuntimeState& state);

// Whether `name` is the runtime's language or one of its aliases (Piston's rule).
bool named(const PistonRuntime& rt, std::string_view name);

// The highest version of a runtime named `language` that satisfies `selector` (Piston's rule);
// nullopt when none does. Runtimes never probed are not installed, as far as Piston can tell.
std::optional<PistonRuntime> resolve_runtime(const service::RuntimeCatalog& catalog, const std::string& language,
                                             const std::string& selector);

}  // namespace runbox::piston
