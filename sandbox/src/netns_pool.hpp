#pragma once
#include "runbox/sandbox/unique_fd.hpp"

namespace runbox::sandbox {

// A fresh network namespace from the pool, now this caller's alone; invalid when none is ready.
UniqueFd take_ready_netns();

}  // namespace runbox::sandbox
