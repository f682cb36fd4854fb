#pragma once
// `runbox image pull`: a Docker image becomes a rootfs in the image store. The engine gets the
// image (from the registry when it can, else the copy it has), a stopped container of it is
// exported as a stream straight into the store's secure extraction, the container is removed in
// every path, and the image's id, digest, reference, config and size are recorded with it.
#include <functional>
#include <optional>
#include <string>

#include "docker/engine_client.hpp"
#include "docker/image_reference.hpp"
#include "images/image_store.hpp"
#include "images/progress_display.hpp"

namespace runbox::pull {

enum class PullPolicy {
  always,   // ask the registry every time (like `docker pull`); fall back to the local copy
  missing,  // ask the registry only when the engine does not have the image
  never,    // only the engine's own copy
};

struct PullOptions {
  std::string reference;  // "runbox/python:latest", "python:3.12-slim", "repo@sha256:..."
  std::string name;       // rootfs name; empty: default_rootfs_name(reference)
  PullPolicy policy = PullPolicy::always;
  images::Labels labels;  // recorded with the image
};

struct PullReport {
  std::string name;
  std::string reference;  // as recorded: the parsed reference's text ("python:latest")
  docker::ImageReference parsed;
  std::string image_id;
  bool pulled = false;        // the registry answered and the engine has its current image
  std::string pull_error;     // why the registry could not be used (the local copy was)
  bool up_to_date = false;    // the rootfs already was this image id: nothing was done
  std::optional<images::ImportReport> import;  // when it was exported and published
  std::string warning;        // done, but something around it failed (e.g. removing the container)
};

// "python" for "runbox/python:latest", "python:3.12-slim" and "docker.io/library/python@sha256:..".
// Throws images::ImageError when that is not a valid image name (the caller then needs --name).
std::string default_rootfs_name(const docker::ImageReference& ref);

// Throws images::ImageError for a bad reference, name, a missing image or a refused archive, and
// docker::EngineError when the engine fails ("Docker engine unreachable at <socket>: ..." when it
// does not answer). `note` gets one line per step worth telling a user; `progress` the export's
// bytes and entries as they are extracted (on the extraction's thread), its total the engine's
// image size (an estimate of the export's length). `progress` may throw an ImageError to stop.
using PullProgress = std::function<void(const images::TransferProgress&)>;
PullReport pull_into_store(const docker::EngineClient& engine, images::ImageStore& store, const PullOptions& options,
                           const std::function<void(const std::string&)>& note = {},
                           const PullProgress& progress = {});

}  // namespace runbox::pull
