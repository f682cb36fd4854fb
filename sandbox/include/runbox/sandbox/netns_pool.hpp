#pragma once
#include <cstddef>

namespace runbox::sandbox {

// Makes network namespaces ahead of time, on a thread of its own, and keeps `depth` of them ready
// (loopback up): a run then enters one with setns instead of having clone3 build it (~0.5 ms of
// the request path, with loopback's ~0.1 ms). Each namespace is given to exactly one run and
// never used again, so a run still gets a fresh one. When none is ready (a burst, or making them
// failed), the run builds its own as before. Without a call, every run builds its own. The first
// call starts the thread; later calls only change the depth. Thread-safe.
void keep_network_namespaces_ready(std::size_t depth);

}  // namespace runbox::sandbox
