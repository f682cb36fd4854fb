#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runbox::api {

// Why `name` cannot be a file of a request (files[].name), or nullopt if it can. A name is a
// relative path of components joined by '/': not empty, not absolute, no empty, "." or ".."
// component (so "a//b" and "pkg/" are refused too), no NUL, no component over 255 bytes (NAME_MAX),
// and under 4096 bytes in all (PATH_MAX), so writing it into /box cannot fail for its shape.
std::optional<std::string> file_name_problem(std::string_view name);

// Why this set of (each valid) names cannot be written together, or nullopt: a name given twice,
// or a name that is both a file and a directory of another ("pkg" and "pkg/util.py").
// The message names the later of the two by index: "files[2].name ...".
std::optional<std::string> file_names_conflict(const std::vector<std::string>& names);

}  // namespace runbox::api
