#pragma once
// The playground's files (docs/api.md, "Playground"): GET / is the page (index.html), and
// /playground/<file> its script, its style and the CodeMirror 5 editor's files. Only a fixed
// set of names is served (a CodeMirror mode is a checked name: letters, digits, '-'), so no
// request can name a file outside the two configured directories. Public: the page asks for a
// key itself and sends it from the browser. A pure function of the request and the files.
#include <optional>
#include <string_view>

#include "config/playground_config.hpp"
#include "server/http_types.hpp"

namespace runbox::server {

// "/" or under "/playground/" (a path, without query): what serve_playground answers.
bool is_playground_path(std::string_view path);

// The answer for a playground path (200, 304, 404 for a name not served or a file that is not
// there, 405); nullopt for any other path, and for every path while it is disabled, so that
// the caller answers as for any unknown endpoint.
std::optional<Response> serve_playground(const Request& req, const config::PlaygroundConfig& config);

}  // namespace runbox::server
