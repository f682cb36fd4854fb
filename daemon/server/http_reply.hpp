#pragma once
// Answers every route makes the same way: a JSON body, the request's HTTP version and keep-alive.
#include <string>

#include "server/http_types.hpp"

namespace runbox::server {

inline Response json_reply(const Request& req, int status, std::string body) {
  Response res{static_cast<http::status>(status), req.version()};
  res.set(http::field::content_type, "application/json");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  return res;
}

}  // namespace runbox::server
