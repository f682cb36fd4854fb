#include "images/image_name.hpp"

#include <string>

#include "images/image_error.hpp"

namespace runbox::images {
namespace {

constexpr std::size_t kMaxNameLength = 64;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

bool is_valid_image_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || !is_lower_alnum(name.front())) return false;
  for (char c : name)
    if (!is_lower_alnum(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

void require_valid_image_name(std::string_view name) {
  if (!is_valid_image_name(name))
    throw ImageError("invalid image name '" + std::string(name) +
                     "': must match [a-z0-9][a-z0-9._-]{0,63}");
}

}  // namespace runbox::images
