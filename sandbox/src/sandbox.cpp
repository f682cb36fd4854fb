#include "runbox/sandbox/sandbox.hpp"

namespace runbox::sandbox {
Result run(const Spec&) { Result r; r.error = "not built yet"; return r; }
}  // namespace runbox::sandbox
