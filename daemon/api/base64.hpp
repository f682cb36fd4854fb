#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace runbox::api {

// RFC 4648 base64, standard alphabet, with '=' padding.
std::string base64_encode(std::string_view bytes);

// Strict decode: the length must be a multiple of 4, only alphabet characters (no whitespace or
// line breaks), '=' only as the last one or two characters, and the unused bits before the
// padding must be zero (so every input has exactly one accepted spelling). nullopt if not.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace runbox::api
