#pragma once
// Why the core did not run a request, in the API's terms: a status (HTTP's numbers, which the
// other transports map from: 404 not found, 422 over a limit, 503 unavailable), the API's error
// code (docs/api.md) and a message for a human.
#include <string>

namespace runbox::service {

struct Refusal {
  int status;
  std::string code;
  std::string message;
};

}  // namespace runbox::service
