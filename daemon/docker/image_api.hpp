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
inline constexpr const char* kManagedLabelKey = "io.runbox.managed";
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

// A stopped container of the image (never started; labelled), for its filesystem export.
std::string create_export_container(const EngineClient& c, const std::string& image_id);

// GET /containers/{id}/export: the container's filesystem as a tar, chunk by chunk.
std::uint64_t export_container(const EngineClient& c, const std::string& id, const EngineClient::ChunkFn& on_chunk);

// DELETE /containers/{id}?force=1&v=1; a container already gone is not an error.
void delete_container(const EngineClient& c, const std::string& id);

// Deletes the container when it goes out of scope, whatever path leaves the scope; a failure
// then is only reported through the callback (the label lets a later sweep find it).
class ExportContainer {
 public:
  ExportContainer(const EngineClient& c, const std::string& image_id);
  ~ExportContainer();
  ExportContainer(const ExportContainer&) = delete;
  ExportContainer& operator=(const ExportContainer&) = delete;
  const std::string& id() const { return id_; }
  // Deletes it now; throws EngineError when the engine refuses.
  void remove();

 private:
  const EngineClient& client_;
  std::string id_;
  bool removed_ = false;
};

// POST /images/create?fromSrc=-: makes an image of a root filesystem tar with `docker import`'s
// semantics, tagged repo:tag; `changes` are Dockerfile lines ("ENV A=b", "WORKDIR /w"). Returns
// the new image's id. (The product never imports; tests and tools make local images with it.)
std::string import_image_tar(const EngineClient& c, const std::string& tar, const std::string& repo,
                             const std::string& tag, const std::vector<std::string>& changes = {});

// DELETE /images/{name}?force=1; an image already gone is not an error.
void delete_image(const EngineClient& c, const std::string& name);

}  // namespace runbox::docker
