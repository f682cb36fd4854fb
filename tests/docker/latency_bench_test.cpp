// Hidden benchmark (run with: runbox_docker_tests "[bench]"): end-to-end latency of one python3
// hello stage through DockerBackend, with the default runtime and with runsc when registered.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>

#include "backend/docker_backend.hpp"
#include "docker_env.hpp"

using namespace runbox;

namespace {

void measure(const std::string& runtime) {
  backend::DockerBackend b(test::docker_options(test::python_image(), runtime));
  auto spec = test::docker_spec({"python3", "-c", "print('hello')"});
  std::vector<double> ms;
  for (int i = 0; i < 10; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto s = b.run_stage(spec);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    REQUIRE(s.status == sandbox::Status::ok);
  }
  std::sort(ms.begin(), ms.end());
  std::printf("docker backend %s python3 hello: median %.0f ms, min %.0f ms, max %.0f ms\n",
              runtime.empty() ? "runc" : runtime.c_str(), ms[ms.size() / 2], ms.front(), ms.back());
}

}  // namespace

TEST_CASE("bench: python3 hello latency through the docker backend", "[.][bench]") {
  test::require_engine();
  measure("");
  if (test::engine_has_runtime("runsc")) measure("runsc");
}
