#include "images/entry_path.hpp"

#include "images/image_error.hpp"

namespace runbox::images {

std::string sanitize_entry_path(std::string_view raw, std::string_view what) {
  const auto refuse = [&](const char* why) {
    return ImageError(std::string(what) + " '" + std::string(raw) + "': " + why);
  };
  if (raw.empty()) throw ImageError(std::string(what) + " has an empty path");
  if (raw.front() == '/') throw refuse("absolute paths are refused");

  std::string clean;
  std::size_t pos = 0;
  while (pos <= raw.size()) {
    std::size_t end = raw.find('/', pos);
    if (end == std::string_view::npos) end = raw.size();
    const std::string_view part = raw.substr(pos, end - pos);
    if (part == "..") throw refuse("'..' components are refused");
    if (!part.empty() && part != ".") {
      if (!clean.empty()) clean += '/';
      clean += part;
    }
    pos = end + 1;
  }
  return clean;
}

}  // namespace runbox::images
