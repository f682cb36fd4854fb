#pragma once
// The runtimes this daemon serves: their definitions, whether their image is present, and the
// version each one reports — detected at start-up by running its version command in the
// sandbox, never written by hand. A runtime whose image is missing stays listed with an error.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/policy.hpp"
#include "config/runtime_def.hpp"
#include "runbox/sandbox/seccomp.hpp"

namespace runbox::server {

struct RuntimeState {
  config::RuntimeDef def;
  std::filesystem::path rootfs;
  std::optional<std::string> version;
  std::optional<std::string> error;  // why it cannot run (image missing, version probe failed)
  bool ready() const { return !error.has_value(); }
};

class RuntimeCatalog {
 public:
  RuntimeCatalog(const config::RuntimeSet& runtimes, const std::filesystem::path& images_root,
                 const config::Policy& policy, std::shared_ptr<const sandbox::SeccompProgram> seccomp);
  const RuntimeState* find(std::string_view name_or_alias) const;
  const std::vector<RuntimeState>& all() const { return states_; }
  std::size_t ready_count() const;

 private:
  config::RuntimeSet runtimes_;
  std::vector<RuntimeState> states_;
};

}  // namespace runbox::server
