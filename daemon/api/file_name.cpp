#include "api/file_name.hpp"

#include <limits.h>

#include <map>

namespace runbox::api {

std::optional<std::string> file_name_problem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.find('\0') != std::string_view::npos) return "must not contain NUL";
  if (name.front() == '/') return "must be a relative path";
  if (name.size() >= PATH_MAX) return "is longer than " + std::to_string(PATH_MAX - 1) + " bytes";
  std::size_t pos = 0;
  while (pos <= name.size()) {
    std::size_t end = name.find('/', pos);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view part = name.substr(pos, end - pos);
    if (part.empty()) return "must not have an empty path component";
    if (part == "." || part == "..") return "must not have a '.' or '..' component";
    if (part.size() > NAME_MAX)
      return "has a component longer than " + std::to_string(NAME_MAX) + " bytes";
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string> file_names_conflict(const std::vector<std::string>& names) {
  const auto where = [](std::size_t i) { return "files[" + std::to_string(i) + "].name"; };
  std::map<std::string, std::size_t> files;  // name -> index
  std::map<std::string, std::size_t> dirs;   // every parent directory -> first index needing it
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    if (const auto it = files.find(name); it != files.end())
      return where(i) + " \"" + name + "\" repeats " + where(it->second);
    if (const auto it = dirs.find(name); it != dirs.end())
      return where(i) + " \"" + name + "\" is a directory of " + where(it->second);
    for (std::size_t slash = name.find('/'); slash != std::string::npos;
         slash = name.find('/', slash + 1)) {
      const std::string dir = name.substr(0, slash);
      if (const auto it = files.find(dir); it != files.end())
        return where(i) + " \"" + name + "\" needs directory \"" + dir + "\", which is " +
               where(it->second);
      dirs.emplace(dir, i);
    }
    files.emplace(name, i);
  }
  return std::nullopt;
}

}  // namespace runbox::api
