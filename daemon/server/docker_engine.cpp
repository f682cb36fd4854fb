// INTERIM (not committed): until the docker backend lands.
#include "server/docker_engine.hpp"
namespace runbox::server {
DockerEngine::DockerEngine(std::filesystem::path socket) : socket_(std::move(socket)) {}
void DockerEngine::refresh_locked() {}
std::optional<std::string> DockerEngine::unavailable() { return std::string("docker backend not built yet"); }
std::optional<std::string> DockerEngine::missing_runtime(const std::string&) { return std::nullopt; }
std::unique_ptr<backend::Backend> DockerEngine::backend(const std::string&, const std::string&, const std::string&) { return nullptr; }
std::optional<std::string> DockerEngine::probe_version(const std::string&, const std::vector<std::string>&, const std::vector<std::string>&, std::string* e) { *e = "no"; return std::nullopt; }
std::size_t DockerEngine::remove_leftovers() { return 0; }
}
