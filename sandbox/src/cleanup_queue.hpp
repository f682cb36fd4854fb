#pragma once
#include <functional>

namespace runbox::sandbox {

// Runs `removal` now, or on the cleanup thread once clean_up_in_background() was called. It must
// not throw (a failure there is left to the sweep of a later start: run names say who made them).
void clean_up(std::function<void()> removal);

}  // namespace runbox::sandbox
