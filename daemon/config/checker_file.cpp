#include "config/checker_file.hpp"

#include "config/config_toml.hpp"

namespace runbox::config {

CheckerFile load_checker(const std::filesystem::path& dir, const std::string& name) {
  const std::filesystem::path file = dir / (name + ".toml");
  const std::string origin = file.string();
  const toml::table t = tomlfile::parse_toml(tomlfile::read_text_file(file, toml_errors), origin, toml_errors);
  tomlfile::TomlReader r(origin, toml_errors);
  r.refuse_unknown_keys(t, "", {"runtime", "source"});
  CheckerFile c;
  c.runtime = r.string(r.require(t, "runtime", "runtime"), "runtime");
  const toml::node& source = r.require(t, "source", "source");
  const std::filesystem::path s = r.string(source, "source");
  if (s.empty() || s.is_absolute() || s.has_parent_path() || s.filename() == "..")
    r.fail(source, "source", "must be a file name in the checker's directory");
  c.source = tomlfile::read_text_file(dir / s, toml_errors);
  return c;
}

}  // namespace runbox::config
