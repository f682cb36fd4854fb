#include "piston/piston_runtimes.hpp"

#include <algorithm>

namespace runbox::piston {
namespace {

struct Naming {
  std::string_view runbox, language, package;
};
// Where Piston's names differ from runbox's (packages/*/metadata.json); other runtimes keep
// runbox's name.
constexpr Naming kNaming[] = {
    {"python3", "python", ""}, {"cpp", "c++", "gcc"}, {"c", "c", "gcc"}, {"javascript", "javascript", "node"},
};

}  // namespace

PistonRuntime piston_runtime(const service::RuntimeState& state) {
  PistonRuntime rt{&state, state.def.name, {}, std::nullopt, version_from_probe(state.version.value_or(""))};
  for (const auto& n : kNaming)
    if (n.runbox == state.def.name) {
      rt.language = n.language;
      if (!n.package.empty()) rt.runtime = std::string(n.package);
    }
  auto add = [&](const std::string& a) {
    if (a != rt.language && std::find(rt.aliases.begin(), rt.aliases.end(), a) == rt.aliases.end()) rt.aliases.push_back(a);
  };
  add(state.def.name);
  for (const auto& a : state.def.aliases) add(a);
  return rt;
}

bool named(const PistonRuntime& rt, std::string_view name) {
  return rt.language == name || std::find(rt.aliases.begin(), rt.aliases.end(), name) != rt.aliases.end();
}

std::optional<PistonRuntime> resolve_runtime(const service::RuntimeCatalog& catalog, const std::string& language,
                                             const std::string& selector) {
  std::optional<PistonRuntime> best;
  for (const auto& state : catalog.all()) {
    if (!state.version) continue;
    PistonRuntime rt = piston_runtime(state);
    if (!named(rt, language) || satisfies(rt.version, selector) != true) continue;
    if (!best || rt.version > best->version) best = std::move(rt);
  }
  return best;
}

}  // namespace runbox::piston
