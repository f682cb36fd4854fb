#pragma once
// Who asks for a run, as every transport hands it to the core: the key's name and its tier
// (authentication and rate limits are the transport's business, done before).
#include <string>

namespace runbox::service {

struct Caller {
  std::string key = "anonymous";  // the key's name; "anonymous" without a keys file
  std::string tier = "default";
};

}  // namespace runbox::service
