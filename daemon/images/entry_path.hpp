#pragma once
#include <string>
#include <string_view>

namespace runbox::images {

// Turns the path an archive gives for an entry (or a hardlink target) into a clean relative
// path "a/b/c": leading "./", "." components and repeated slashes are dropped. Returns "" for
// the archive's root itself ("." or "./"). Throws ImageError for an empty path, an absolute path
// or any ".." component; `what` names the path in the message (e.g. "entry").
std::string sanitize_entry_path(std::string_view raw, std::string_view what);

}  // namespace runbox::images
