#include "backend/backend.hpp"
#include "runbox/sandbox/sandbox.hpp"

namespace runbox::backend {

sandbox::Result NativeBackend::run_stage(const sandbox::Spec& spec) { return sandbox::run(spec); }

}  // namespace runbox::backend
