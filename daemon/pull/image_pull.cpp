#include "pull/image_pull.hpp"

#include <chrono>

#include <stdexcept>

#include "docker/containers.hpp"
#include "docker/image_api.hpp"
#include "images/image_name.hpp"

namespace runbox::pull {
namespace {

namespace img = runbox::images;

// The RepoDigest of the pulled repository when there is one, else the first.
std::string digest_for(const docker::EngineImage& image, const docker::ImageReference& ref) {
  for (const auto& d : image.repo_digests)
    if (d.rfind(ref.repository + "@", 0) == 0) return d;
  return image.repo_digests.empty() ? std::string() : image.repo_digests.front();
}

std::string short_id(const std::string& id) {
  const std::string hex = id.rfind("sha256:", 0) == 0 ? id.substr(7) : id;
  return hex.substr(0, 12);
}

}  // namespace

std::string default_rootfs_name(const docker::ImageReference& ref) {
  const std::string name = ref.last_component();
  if (!img::is_valid_image_name(name))
    throw img::ImageError("the rootfs name '" + name + "' taken from " + ref.text() +
                          " is not valid ([a-z0-9][a-z0-9._-]{0,63}): give one with --name");
  return name;
}

PullReport pull_into_store(const docker::EngineClient& engine, img::ImageStore& store, const PullOptions& options,
                           const std::function<void(const std::string&)>& note, const PullProgress& progress) {
  const auto say = [&](const std::string& line) {
    if (note) note(line);
  };
  PullReport report;
  try {
    report.parsed = docker::parse_image_reference(options.reference);
  } catch (const std::invalid_argument& e) {
    throw img::ImageError(e.what());
  }
  const docker::ImageReference& ref = report.parsed;
  report.reference = ref.text();
  report.name = options.name.empty() ? default_rootfs_name(ref) : options.name;
  img::require_valid_image_name(report.name);

  engine.ping();  // "Docker engine unreachable at ..." before anything else

  std::optional<docker::EngineImage> image;
  if (options.policy == PullPolicy::missing) image = docker::inspect_image(engine, ref.text());
  if (options.policy == PullPolicy::always || (options.policy == PullPolicy::missing && !image)) {
    say("pulling " + ref.text() + "...");
    try {
      docker::pull_image(engine, ref);
      report.pulled = true;
    } catch (const docker::EngineError& e) {
      if (e.unreachable()) throw;
      report.pull_error = e.what();
    }
    image = docker::inspect_image(engine, ref.text());
  } else if (!image) {
    image = docker::inspect_image(engine, ref.text());
  }
  if (!image) {
    if (!report.pull_error.empty())
      throw img::ImageError("image " + ref.text() + " is not in the Docker engine and could not be pulled: " +
                            report.pull_error);
    throw img::ImageError("image " + ref.text() + " is not in the Docker engine (and pulling is off)");
  }
  if (!report.pull_error.empty())
    say("the registry could not be used (" + report.pull_error + "); using the engine's local image " +
        short_id(image->id));
  report.image_id = image->id;

  const auto current = store.metadata(report.name);
  std::error_code ec;
  if (current && current->image_id == image->id && std::filesystem::is_directory(store.root() / report.name, ec)) {
    report.up_to_date = true;
    return report;
  }

  img::ImageMetadata recorded;
  recorded.source = "docker:" + image->id;
  recorded.labels = options.labels;
  recorded.image_id = image->id;
  recorded.digest = digest_for(*image, ref);
  recorded.reference = ref.text();
  recorded.config = img::ImageConfig{image->env, image->working_dir, image->user};
  recorded.image_size_bytes = image->size;

  // Export containers a crashed pull left, once past their deadline; then ours, removed on every
  // way out of here.
  try {
    docker::remove_expired_containers(engine, std::string(docker::kPurposeLabelKey) + "=image-export",
                                      std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch()).count());
  } catch (const docker::EngineError&) {
  }
  docker::ContainerGuard container(engine, docker::create_export_container(engine, image->id));
  say("exporting " + short_id(image->id) + " into " + (store.root() / report.name).string() + "...");
  img::ExtractProgress extracted;
  if (progress)
    extracted = [&progress, total = image->size](const img::ExtractStats& s) {
      progress(img::TransferProgress{s.bytes_read, s.entries, total, true, false});
    };
  report.import = store.import_stream(
      report.name, std::move(recorded),
      [&](const img::ChunkSink& sink) { docker::export_container(engine, container.id(), sink); }, extracted);
  try {
    container.remove();
  } catch (const docker::EngineError& e) {
    report.warning = std::string(e.what()) + " (it is labelled io.runbox.managed for a later sweep)";
  }
  if (!report.import->warning.empty())
    report.warning += (report.warning.empty() ? "" : "; ") + report.import->warning;
  return report;
}

}  // namespace runbox::pull
