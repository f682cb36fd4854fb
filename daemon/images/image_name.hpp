#pragma once
#include <string_view>

namespace runbox::images {

// Image names are [a-z0-9][a-z0-9._-]{0,63}: a single path component, never hidden, so a name
// can be used as a directory name under the store root as is.
bool is_valid_image_name(std::string_view name);

// Throws ImageError saying what is wrong with the name.
void require_valid_image_name(std::string_view name);

}  // namespace runbox::images
