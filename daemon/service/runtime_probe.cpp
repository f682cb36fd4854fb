#include "service/runtime_probe.hpp"

namespace runbox::service {

ProbeOutcome probe_version(backend::Backend& backend, const sandbox::Spec& spec) {
  ProbeOutcome out;
  sandbox::Result r = backend.run_stage(spec);
  out.setup_failed = r.status == sandbox::Status::internal_error;
  if (r.status != sandbox::Status::ok) {
    out.error = "version command failed" + std::string(backend.name() == "docker" ? " in docker" : "") + " (" +
                std::string(sandbox::to_string(r.status)) + "): " + (r.error.empty() ? r.stderr_data.substr(0, 200) : r.error);
    return out;
  }
  out.version = parse_version_output(r.stdout_data, r.stderr_data);
  if (!out.version) out.error = "version command printed nothing";
  return out;
}

std::optional<std::string> parse_version_output(std::string_view stdout_data, std::string_view stderr_data) {
  for (std::string_view s : {stdout_data, stderr_data}) {
    while (!s.empty()) {
      auto nl = s.find('\n');
      std::string_view line = s.substr(0, nl);
      s = nl == std::string_view::npos ? std::string_view{} : s.substr(nl + 1);
      const char* ws = " \t\r\v\f";
      auto b = line.find_first_not_of(ws);
      if (b == std::string_view::npos) continue;
      auto e = line.find_last_not_of(ws);
      return std::string(line.substr(b, e - b + 1));
    }
  }
  return std::nullopt;
}

}  // namespace runbox::service
