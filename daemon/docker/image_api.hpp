#pragma once
// The Engine API calls `runbox image pull` makes, on top of EngineClient: pull, inspect, a
// stopped container to export, the export stream, and removal. Errors are EngineError.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "docker/engine_client.hpp"
#include "docker/image_reference.hpp"

namespace runbox::docker {

// Carried by the export containers, like every container runbox creates, so that the
// daemon's sweep of leftovers (after a crash mid-export) removes them.
inline constexpr const char* kPurposeLabelKey = "io.runbox.purpose";

// What `GET /images/{name}/json` says about an image, the parts runbox records.
struct EngineImage {
  std::string id;  // "sha256:<64 hex>"
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;  // empty for an image that was imported, never pulled
  std::vector<std::string> env;
  std::string working_dir;
  std::string user;
  std::uint64_t size = 0;
};

// nullopt when the engine does not have it (404).
std::optional<EngineImage> inspect_image(const EngineClient& c, const std::string& name);

// POST /images/create?fromImage=...: the engine pulls from the registry. The progress stream's
// {"error": ...} lines (the status is 200 by then) become an EngineError too.
void pull_image(const EngineClient& c, const ImageReference& ref);

// A stopped container of the image (never started; labelled io.runbox.purpose=image-export
// with a deadline six hours on), for its filesystem export. Remove it with a ContainerGuard
// (containers.hpp); one a crashed pull left is swept by the next pull once past its deadline.
std::string create_export_container(const EngineClient& c, const std::string& image_id);

// GET /containers/{id}/export: the container's filesystem as a tar, chunk by chunk.
std::uint64_t export_container(const EngineClient& c, const std::string& id, const EngineClient::ChunkFn& on_chunk);

// POST /images/create?fromSrc=-: makes an image of a root filesystem tar with `docker import`'s
// semantics, tagged repo:tag; `changes` are Dockerfile lines ("ENV A=b", "WORKDIR /w"). Returns
// the new image's id. (The product never imports; tests and tools make local images with it.)
std::string import_image_tar(const EngineClient& c, const std::string& tar, const std::string& repo,
                             const std::string& tag, const std::vector<std::string>& changes = {});

// DELETE /images/{name}?force=1; an image already gone is not an error.
void delete_image(const EngineClient& c, const std::string& name);

}  // namespace runbox::docker
