#pragma once
// Who asks for a run, as every transport hands it to the core: the key's name and its tier
// (authentication and rate limits are the transport's business, done before).
#include <string>

namespace runbox::service {

struct Caller {
  std::string key = "anonymous";  // the key's name; "anonymous" without a keys file
  std::string tier = "default";
  // May use /v1/admin/* and read every key's statistics: an admin key, or anyone when the
  // daemon has no keys file (it then listens only where keys are not required: loopback, a
  // unix socket).
  bool admin = true;
};

}  // namespace runbox::service
