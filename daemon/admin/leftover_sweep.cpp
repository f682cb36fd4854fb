#include "admin/leftover_sweep.hpp"

#include <chrono>

#include "docker/containers.hpp"
#include "docker/engine_client.hpp"
#include "docker/image_api.hpp"
#include "images/image_store.hpp"
#include "images/tarball_cache.hpp"
#include "runbox/sandbox/leftovers.hpp"

namespace runbox::admin {
namespace json = boost::json;

namespace {

constexpr auto kEngineTimeout = std::chrono::seconds(5);

void append(std::vector<std::string>& to, std::vector<std::string> more) {
  for (auto& s : more) to.push_back(std::move(s));
}

void sweep_containers(const std::filesystem::path& socket, CleanupReport& out) {
  try {
    docker::EngineClient engine(socket, kEngineTimeout);
    engine.ping();
    // Containers of runboxd processes that are gone (never this one's: its runs may be going).
    append(out.containers, docker::remove_orphaned_daemon_container_ids(engine, true));
    // Export containers a crashed `runbox image pull` left, once past their deadline.
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    append(out.containers, docker::remove_expired_container_ids(
                               engine, std::string(docker::kPurposeLabelKey) + "=image-export", now));
  } catch (const std::exception& e) {
    out.notes.push_back(std::string("containers: not swept: ") + e.what());
  }
}

}  // namespace

CleanupReport clean_up_leftovers(const CleanupTargets& targets) {
  CleanupReport out;
  sandbox::RemovedLeftovers runs = sandbox::remove_leftovers();
  out.cgroups = std::move(runs.cgroups);
  out.directories = std::move(runs.directories);
  for (auto& e : runs.errors) out.notes.push_back(std::move(e));

  sweep_containers(targets.docker_socket, out);

  const images::ImageStore store(targets.images_root);
  try {
    for (const auto& p : store.remove_retired()) out.image_trees.push_back(p.string());
  } catch (const std::exception& e) {
    out.notes.push_back(std::string("retired image trees: not swept: ") + e.what());
  }
  images::TarballSweep tarballs = images::remove_unused_tarballs(targets.image_cache, store);
  for (const auto& p : tarballs.removed) out.tarballs.push_back(p.string());
  if (tarballs.skipped) out.notes.push_back("tarballs: not swept: " + *tarballs.skipped);
  return out;
}

json::object cleanup_json(const CleanupReport& r) {
  auto list = [](const std::vector<std::string>& items) {
    json::array a;
    for (const auto& s : items) a.emplace_back(s);
    return a;
  };
  json::object removed{{"cgroups", list(r.cgroups)},         {"directories", list(r.directories)},
                       {"containers", list(r.containers)},   {"image_trees", list(r.image_trees)},
                       {"tarballs", list(r.tarballs)}};
  return json::object{{"removed", std::move(removed)}, {"notes", list(r.notes)}};
}

}  // namespace runbox::admin
