#pragma once
// One sandbox::Spec run as a container, start to removal: create, attach (stdin in, multiplexed
// output out with per-stream caps), start, supervise (wall deadline, CPU-time polling, output
// caps, cancellation: each kills the container), read the end state, remove. The container is
// removed on every path, exceptions included. Returns the same Result the native sandbox would;
// an engine failure throws EngineError (the backend turns it into internal_error).
#include "docker/container_config.hpp"
#include "docker/engine_client.hpp"
#include "runbox/sandbox/result.hpp"

namespace runbox::docker {

sandbox::Result run_container(const EngineClient& client, const sandbox::Spec& spec, const ContainerSettings& settings);

// Docker reports a program killed by signal N as exit status 128+N (runc, and docker-init the
// same): 137 -> SIGKILL. Sets exactly one of exit_code / signal.
void set_exit(int status, sandbox::Result& r);

}  // namespace runbox::docker
