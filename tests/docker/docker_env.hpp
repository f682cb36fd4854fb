#pragma once
// Engine tests' preconditions: an engine that answers and the runbox images in it. Missing ones
// skip (exit 77), unless RUNBOX_REQUIRE_DOCKER=1, when they fail the test instead.
#include <string>

#include "backend/docker_backend.hpp"
#include "runbox/sandbox/spec.hpp"

namespace runbox::test {

std::string docker_socket();  // RUNBOX_DOCKER_SOCKET or /var/run/docker.sock
void require_engine();
// The image from env `var` (default `fallback`), required to be in the engine.
std::string require_docker_image(const char* var, const char* fallback);
std::string python_image();  // RUNBOX_DOCKER_PYTHON_IMAGE, runbox/python:latest
std::string gcc_image();     // RUNBOX_DOCKER_GCC_IMAGE, runbox/gcc:latest
bool engine_has_runtime(const std::string& name);

// The project's default seccomp policy as an OCI profile.
const std::string& default_seccomp_json();
backend::DockerOptions docker_options(const std::string& image, const std::string& runtime = "");
// A spec with small, fast limits; box_dir set by the caller when it needs files.
sandbox::Spec docker_spec(std::vector<std::string> argv);
// How many containers of these tests (managed label + io.runbox.daemon=docker-tests) exist.
std::size_t labelled_containers();

}  // namespace runbox::test
