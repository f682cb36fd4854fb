#pragma once
#include <stdexcept>

namespace runbox::images {

// Every refusal or failure of the image store. The message says which entry and why, so the
// CLI and the daemon can show it as is.
class ImageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace runbox::images
