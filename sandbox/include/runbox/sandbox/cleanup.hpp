#pragma once

namespace runbox::sandbox {

// Who removes what a run leaves once nothing uses it (its cgroups, a WorkDir's tmpfs and
// directory): by default the caller, before run() returns or as the WorkDir goes. Once
// clean_up_in_background() is called, a thread of its own does it, so the daemon's answer goes
// out ~0.7 ms sooner. Only things no process uses any more are handed over: when run() returns,
// every process of the run is gone (the init of its pid namespace has exited), and the results
// have been read. Thread-safe.
void clean_up_in_background();

// Waits until everything handed to that thread has been removed (at shutdown).
void finish_background_cleanup();

}  // namespace runbox::sandbox
