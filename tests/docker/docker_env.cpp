#include "docker_env.hpp"

#include <boost/json.hpp>
#include <cstdlib>

#include "docker/containers.hpp"
#include "docker/engine_client.hpp"
#include "docker/seccomp_json.hpp"
#include "runbox/sandbox/seccomp.hpp"
#include "seccomp_files/seccomp_files.hpp"
#include "test_env.hpp"

#include <catch2/catch.hpp>

namespace runbox::test {
namespace {

void unavailable(const std::string& why) {
  const char* req = std::getenv("RUNBOX_REQUIRE_DOCKER");
  if (req && std::string(req) == "1") FAIL("RUNBOX_REQUIRE_DOCKER=1 but " + why);
  skip(why);
}

}  // namespace

std::string docker_socket() {
  const char* s = std::getenv("RUNBOX_DOCKER_SOCKET");
  return s ? s : docker::kDefaultSocket;
}

void require_engine() {
  try {
    docker::EngineClient(docker_socket(), std::chrono::seconds(5)).ping();
  } catch (const docker::EngineError& e) {
    unavailable(std::string("no Docker engine: ") + e.what());
  }
}

std::string require_docker_image(const char* var, const char* fallback) {
  require_engine();
  const char* v = std::getenv(var);
  std::string image = v ? v : fallback;
  docker::EngineClient c(docker_socket());
  if (c.request("GET", "/images/" + image + "/json").status != 200)
    unavailable("image " + image + " is not in the engine (docker import /var/cache/runbox/images/<name>-<key>.tar " +
                image + ")");
  return image;
}

std::string python_image() { return require_docker_image("RUNBOX_DOCKER_PYTHON_IMAGE", "runbox/python:latest"); }
std::string gcc_image() { return require_docker_image("RUNBOX_DOCKER_GCC_IMAGE", "runbox/gcc:latest"); }

bool engine_has_runtime(const std::string& name) {
  auto names = docker::EngineClient(docker_socket()).runtimes();
  return std::find(names.begin(), names.end(), name) != names.end();
}

const std::string& default_seccomp_json() {
  static const std::string json =
      docker::seccomp_profile_json(seccomp_files::load_seccomp_policy(RUNBOX_SOURCE_DIR "/policies/seccomp/default.toml"));
  return json;
}

backend::DockerOptions docker_options(const std::string& image, const std::string& runtime) {
  backend::DockerOptions o;
  o.socket_path = docker_socket();
  o.image = image;
  o.oci_runtime = runtime;
  o.seccomp_json = default_seccomp_json();
  o.labels["io.runbox.daemon"] = "docker-tests";
  return o;
}

sandbox::Spec docker_spec(std::vector<std::string> argv) {
  sandbox::Spec s;
  s.argv = std::move(argv);
  s.limits.cpu_ms = 2000;
  s.limits.wall_ms = 10000;
  s.limits.memory_mb = 128;
  s.limits.pids = 32;
  return s;
}

std::size_t labelled_containers() {
  boost::json::object filters{{"label", boost::json::array{"io.runbox.managed=true", "io.runbox.daemon=docker-tests"}}};
  docker::EngineClient c(docker_socket());
  auto body = c.call("GET", "/containers/json?all=1&filters=" + docker::url_encode(boost::json::serialize(filters)), "list");
  return boost::json::parse(body).as_array().size();
}

}  // namespace runbox::test
