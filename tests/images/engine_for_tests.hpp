#pragma once
// The Docker engine for the image tests: the default socket (or DOCKER_HOST=unix://...). A test
// that needs it skips (exit 77) when none answers, unless RUNBOX_REQUIRE_DOCKER=1 (CI, after
// scripts/lib/docker.sh made sure one answers): then it fails.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "docker/engine_client.hpp"
#include "test_env.hpp"

namespace runbox::test {

inline std::string engine_socket_for_tests() {
  const char* host = std::getenv("DOCKER_HOST");
  if (host && std::string(host).rfind("unix://", 0) == 0) return std::string(host).substr(7);
  return docker::kDefaultSocket;
}

inline docker::EngineClient require_engine() {
  docker::EngineClient engine(engine_socket_for_tests());
  try {
    engine.ping();
  } catch (const docker::EngineError& e) {
    const char* require = std::getenv("RUNBOX_REQUIRE_DOCKER");
    if (require && std::string(require) == "1") FAIL("RUNBOX_REQUIRE_DOCKER=1 but: " << e.what());
    skip(std::string("needs a Docker engine: ") + e.what());
  }
  return engine;
}

}  // namespace runbox::test
