#pragma once
// Docker image references as `docker pull` takes them: [registry[:port]/]path[:tag][@digest].
#include <string>
#include <string_view>

namespace runbox::docker {

struct ImageReference {
  std::string repository;  // "runbox/python", "localhost:5000/team/app", "python"
  std::string tag;         // "latest" when neither a tag nor a digest was given
  std::string digest;      // "sha256:..." when pinned by digest

  // "repository:tag", "repository@digest" or "repository:tag@digest": what the engine's
  // /images/{name}/json accepts.
  std::string text() const;
  // The repository's last path component: the default rootfs name ("python" for
  // "runbox/python:latest" and "python:3.12-slim").
  std::string last_component() const;
};

// Throws std::invalid_argument naming the problem (empty, spaces, upper case, an empty
// component, a tag or digest that is not one).
ImageReference parse_image_reference(std::string_view text);

}  // namespace runbox::docker
