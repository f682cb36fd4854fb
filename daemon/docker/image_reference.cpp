#include "docker/image_reference.hpp"

#include <cctype>
#include <stdexcept>

namespace runbox::docker {
namespace {

std::invalid_argument bad(std::string_view text, const std::string& why) {
  return std::invalid_argument("invalid image reference '" + std::string(text) + "': " + why);
}

bool is_tag_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'; }

}  // namespace

std::string ImageReference::text() const {
  std::string t = repository;
  if (!tag.empty()) t += ":" + tag;
  if (!digest.empty()) t += "@" + digest;
  return t;
}

std::string ImageReference::last_component() const {
  const auto slash = repository.rfind('/');
  return slash == std::string::npos ? repository : repository.substr(slash + 1);
}

ImageReference parse_image_reference(std::string_view text) {
  if (text.empty()) throw bad(text, "empty");
  for (char c : text)
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)))
      throw bad(text, "contains white space or control characters");

  ImageReference ref;
  std::string_view rest = text;
  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    const auto colon = ref.digest.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == ref.digest.size())
      throw bad(text, "a digest is algorithm:hex (sha256:...)");
  }
  // A colon after the last slash starts the tag; one before it belongs to a registry's port.
  const auto slash = rest.rfind('/');
  const auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (ref.tag.empty() || ref.tag.size() > 128 || ref.tag.front() == '.' || ref.tag.front() == '-')
      throw bad(text, "invalid tag");
    for (char c : ref.tag)
      if (!is_tag_char(c)) throw bad(text, "invalid tag");
  }
  ref.repository = std::string(rest);
  if (ref.repository.empty()) throw bad(text, "no repository");
  std::size_t start = 0;
  bool first = true;
  for (;;) {
    const auto end = ref.repository.find('/', start);
    const std::string_view part =
        std::string_view(ref.repository).substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (part.empty()) throw bad(text, "empty path component");
    // The first component may be a registry host (with a port, upper case allowed in DNS names).
    const bool registry = first && end != std::string::npos &&
                          (part.find('.') != std::string_view::npos || part.find(':') != std::string_view::npos ||
                           part == "localhost");
    if (!registry)
      for (char c : part)
        if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '.' ||
              c == '_' || c == '-'))
          throw bad(text, "repository names are lower case letters, digits and . _ -");
    if (end == std::string::npos) break;
    start = end + 1;
    first = false;
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

}  // namespace runbox::docker
