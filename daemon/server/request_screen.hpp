#pragma once
// The checks a request passes on its head alone, before its body is read: where a browser
// says it comes from (Origin) and which name it used for this host (Host). Pure functions of
// the header values and the configuration, unit-tested directly.
#include <string>
#include <string_view>
#include <vector>

namespace runbox::server {

// An Origin header value allowed by `allowed_origins` (exact, ASCII case-insensitive).
bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed);

// An Origin that names the server the request was sent to: "http://" or "https://" and then
// exactly the request's Host header (ASCII case-insensitive; a non-empty Host). What a page this
// server served itself (the playground) sends with its POSTs.
bool same_origin(std::string_view origin, std::string_view host);

// A Host header value ("name", "name:port", "1.2.3.4:80", "[::1]:8080") that names this host
// as loopback-only clients do: "localhost", an IP literal, or one of `allowed` (lower-case
// names without port). A DNS-rebinding page sends its own name and fails this.
bool host_allowed(std::string_view host, const std::vector<std::string>& allowed);

}  // namespace runbox::server
