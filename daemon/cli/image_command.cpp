// `runbox image import|pull|ls|rm`: the command-line front of runbox::images::ImageStore and
// runbox::pull (Docker images through the Engine API).
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "commands.hpp"
#include "config/config_error.hpp"
#include "config/daemon_config.hpp"
#include "config/runtime_def.hpp"
#include "docker/engine_client.hpp"
#include "images/image_store.hpp"
#include "images/progress_display.hpp"
#include "pull/image_pull.hpp"

namespace runbox::cli {
namespace {

namespace img = runbox::images;

constexpr const char* kDefaultRoot = "/var/lib/runbox/rootfs";

struct ImageOptions {
  std::string root = kDefaultRoot;
  std::string tarball;
  std::string name;
  std::string reference;
  std::vector<std::string> labels;
  std::string runtimes_dir = config::default_runtimes_dir().string();
  std::string docker_socket;  // empty: DOCKER_HOST, else the default socket
  std::string pull_policy = "always";
  bool json = false;
  bool force = false;
};

// main() prints "runbox: <what>" and exits 1; the verb goes in front of the message.
template <typename Fn>
void run_verb(const char* verb, Fn fn) {
  try {
    fn();
  } catch (const img::ImageError& e) {
    throw std::runtime_error(std::string(verb) + ": " + e.what());
  } catch (const docker::EngineError& e) {
    throw std::runtime_error(std::string(verb) + ": " + e.what());
  } catch (const config::ConfigError& e) {
    throw std::runtime_error(std::string(verb) + ": " + e.what());
  }
}

// --docker-socket, else DOCKER_HOST=unix:///path (as the docker CLI), else the default.
std::string docker_socket_of(const ImageOptions& o) {
  if (!o.docker_socket.empty()) return o.docker_socket;
  const char* host = std::getenv("DOCKER_HOST");
  if (!host || !*host) return docker::kDefaultSocket;
  const std::string value = host;
  constexpr std::string_view kUnix = "unix://";
  if (value.rfind(kUnix, 0) != 0 || value.size() == kUnix.size())
    throw img::ImageError("DOCKER_HOST=" + value +
                          " is not a unix socket (unix:///path): runbox talks to the engine over its unix socket "
                          "only; use --docker-socket PATH");
  return value.substr(kUnix.size());
}

// Image name -> the runtimes (canonical names) whose `image` it is.
using ImageUsers = std::map<std::string, std::vector<std::string>>;

ImageUsers image_users(const std::string& runtimes_dir) {
  ImageUsers users;
  const config::RuntimeSet runtimes = config::RuntimeSet::load_dir(runtimes_dir);
  for (const auto& def : runtimes.all()) users[def.image].push_back(def.name);
  return users;
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : sep) + item;
  return text;
}

std::string short_image_id(const std::string& id) {
  if (id.empty()) return "-";
  const std::string hex = id.rfind("sha256:", 0) == 0 ? id.substr(7) : id;
  return hex.substr(0, 12);
}

img::Labels parse_labels(const std::vector<std::string>& items) {
  img::Labels labels;
  for (const std::string& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw img::ImageError("label '" + item + "' is not KEY=VALUE");
    labels[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return labels;
}

std::string human_size(std::uint64_t bytes) { return img::human_bytes(bytes); }

std::string labels_text(const img::Labels& labels) {
  std::string text;
  for (const auto& [key, value] : labels) text += (text.empty() ? "" : ",") + key + "=" + value;
  return text.empty() ? "-" : text;
}

// The progress bar on a terminal, plain lines every few seconds otherwise (stderr: stdout gets
// the result line only).
img::ProgressDisplay progress_display(const char* verb) {
  return img::ProgressDisplay(stderr, ::isatty(STDERR_FILENO) == 1, std::string("runbox: ") + verb);
}

void do_import(const ImageOptions& o) {
  img::ImageStore store(o.root);
  std::error_code ec;
  const std::uint64_t total = std::filesystem::file_size(o.tarball, ec);
  img::ProgressDisplay display = progress_display("image import");
  img::TransferProgress last{0, 0, ec ? 0 : total, false, false};
  const auto progress = [&](const img::ExtractStats& s) {
    last.bytes = s.bytes_read;
    last.entries = s.entries;
    display.update(last);
  };
  const img::ImportReport r = store.import_tarball(o.tarball, o.name, parse_labels(o.labels), progress);
  display.finish(last);
  std::printf("%s image %s at %s: %" PRIu64 " entries, %s (%" PRIu64
              " bytes), %" PRIu64 " device nodes skipped\n",
              r.replaced ? "replaced" : "imported", r.name.c_str(), r.rootfs.c_str(), r.entries,
              human_size(r.size_bytes).c_str(), r.size_bytes, r.skipped);
  if (!r.warning.empty()) std::fprintf(stderr, "runbox: image import: warning: %s\n", r.warning.c_str());
}

pull::PullPolicy parse_pull_policy(const std::string& text) {
  if (text == "always") return pull::PullPolicy::always;
  if (text == "missing") return pull::PullPolicy::missing;
  return pull::PullPolicy::never;  // CLI11 checked the choice
}

void do_pull(const ImageOptions& o) {
  const docker::EngineClient engine(docker_socket_of(o));
  img::ImageStore store(o.root);
  const pull::PullOptions options{o.reference, o.name, parse_pull_policy(o.pull_policy), parse_labels(o.labels)};
  img::ProgressDisplay display = progress_display("image pull");
  std::optional<img::TransferProgress> last;
  const auto note = [&](const std::string& line) { display.note(line); };
  const auto progress = [&](const img::TransferProgress& p) {
    last = p;
    display.update(p);
  };
  const pull::PullReport r = pull::pull_into_store(engine, store, options, note, progress);
  if (last) display.finish(*last);
  const std::string id = short_image_id(r.image_id);
  if (r.up_to_date) {
    std::printf("image %s is up to date (%s, %s)\n", r.name.c_str(), r.reference.c_str(), id.c_str());
  } else {
    const img::ImportReport& i = *r.import;
    std::printf("%s image %s from %s (%s) at %s: %" PRIu64 " entries, %s (%" PRIu64 " bytes), %" PRIu64
                " device nodes skipped\n",
                i.replaced ? "replaced" : "pulled", r.name.c_str(), r.reference.c_str(), id.c_str(), i.rootfs.c_str(),
                i.entries, human_size(i.size_bytes).c_str(), i.size_bytes, i.skipped);
  }
  if (!r.warning.empty()) std::fprintf(stderr, "runbox: image pull: warning: %s\n", r.warning.c_str());
}

// `runtimes`: the runtimes using the image; nullopt when the runtime files could not be read.
boost::json::value info_json(const img::ImageInfo& info, const std::optional<std::vector<std::string>>& runtimes) {
  boost::json::object o{{"name", info.name}, {"path", info.rootfs.string()}};
  const auto& m = info.metadata;
  o["source"] = m ? boost::json::value(m->source) : nullptr;
  o["imported_at"] = m ? boost::json::value(m->imported_at) : nullptr;
  o["size_bytes"] = m ? boost::json::value(m->size_bytes) : nullptr;
  o["entries"] = m ? boost::json::value(m->entries) : nullptr;
  o["skipped"] = m ? boost::json::value(m->skipped) : nullptr;
  boost::json::object labels;
  if (m)
    for (const auto& [key, value] : m->labels) labels[key] = value;
  o["labels"] = std::move(labels);
  o["image_id"] = m && m->from_docker() ? boost::json::value(m->image_id) : nullptr;
  o["digest"] = m && !m->digest.empty() ? boost::json::value(m->digest) : nullptr;
  o["reference"] = m && !m->reference.empty() ? boost::json::value(m->reference) : nullptr;
  o["image_size_bytes"] = m && m->from_docker() ? boost::json::value(m->image_size_bytes) : nullptr;
  if (m && m->config) {
    boost::json::array env;
    for (const auto& e : m->config->env) env.emplace_back(e);
    o["config"] = boost::json::object{
        {"Env", std::move(env)}, {"WorkingDir", m->config->working_dir}, {"User", m->config->user}};
  } else {
    o["config"] = nullptr;
  }
  boost::json::array used_by;
  if (runtimes)
    for (const auto& r : *runtimes) used_by.emplace_back(r);
  o["runtimes"] = runtimes ? boost::json::value(std::move(used_by)) : nullptr;
  return o;
}

void do_list(const ImageOptions& o) {
  const std::vector<img::ImageInfo> images = img::ImageStore(o.root).list();
  std::optional<ImageUsers> users;
  try {
    users = image_users(o.runtimes_dir);
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "runbox: image ls: warning: cannot tell which runtimes use the images: %s\n", e.what());
  }
  const auto runtimes_of = [&](const std::string& name) -> std::optional<std::vector<std::string>> {
    if (!users) return std::nullopt;
    const auto it = users->find(name);
    return it == users->end() ? std::vector<std::string>{} : it->second;
  };
  if (o.json) {
    boost::json::array out;
    for (const auto& info : images) out.push_back(info_json(info, runtimes_of(info.name)));
    std::printf("%s\n", boost::json::serialize(out).c_str());
    return;
  }
  std::vector<std::vector<std::string>> rows{
      {"NAME", "IMAGE ID", "REFERENCE", "SIZE", "RUNTIMES", "IMPORTED", "LABELS"}};
  for (const auto& info : images) {
    const auto& m = info.metadata;
    const auto runtimes = runtimes_of(info.name);
    rows.push_back({info.name, m ? short_image_id(m->image_id) : "-",
                    m && !m->reference.empty() ? m->reference : "-", m ? human_size(m->size_bytes) : "-",
                    !runtimes ? "?" : runtimes->empty() ? "-" : join(*runtimes, ","), m ? m->imported_at : "-",
                    m ? labels_text(m->labels) : "-"});
  }
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i)
      line += i + 1 < row.size() ? row[i] + std::string(width[i] - row[i].size() + 2, ' ') : row[i];
    std::printf("%s\n", line.c_str());
  }
}

void do_remove(const ImageOptions& o) {
  img::ImageStore store(o.root);
  store.rootfs(o.name);  // "no image named X" before anything about runtimes
  if (!o.force) {
    ImageUsers users;
    try {
      users = image_users(o.runtimes_dir);
    } catch (const config::ConfigError& e) {
      throw img::ImageError("cannot tell whether a runtime uses image " + o.name + " (" + e.what() +
                            "); --force removes it anyway");
    }
    if (const auto it = users.find(o.name); it != users.end())
      throw img::ImageError("image " + o.name + " is used by runtime" + (it->second.size() > 1 ? "s " : " ") +
                            join(it->second, ", ") + " (" + o.runtimes_dir + "); --force removes it anyway");
  }
  store.remove(o.name);
  std::printf("removed image %s (runs still using it keep their files for %lld minutes)\n", o.name.c_str(),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::minutes>(img::kRetireGrace).count()));
}

void add_root_option(CLI::App* cmd, ImageOptions& o) {
  cmd->add_option("--root", o.root, "Directory holding the unpacked images")
      ->capture_default_str();
}

void add_runtimes_option(CLI::App* cmd, ImageOptions& o) {
  cmd->add_option("--runtimes-dir", o.runtimes_dir, "Runtime files (*.toml), to tell which runtimes use an image")
      ->capture_default_str();
}

void add_label_option(CLI::App* cmd, ImageOptions& o) {
  cmd->add_option("--label", o.labels, "Label recorded with the image (repeatable)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
}

}  // namespace

void register_image_commands(CLI::App& app) {
  auto opts = std::make_shared<ImageOptions>();
  CLI::App* image = app.add_subcommand("image", "Import, pull, list and remove rootfs images");
  image->require_subcommand(1);

  CLI::App* import = image->add_subcommand("import", "Unpack a rootfs tarball as an image");
  add_root_option(import, *opts);
  add_label_option(import, *opts);
  import->add_option("tarball", opts->tarball, "Rootfs tarball (mmdebstrap output, docker export)")
      ->required();
  import->add_option("name", opts->name, "Image name: [a-z0-9][a-z0-9._-]{0,63}")->required();
  import->callback([opts] { run_verb("image import", [&] { do_import(*opts); }); });

  CLI::App* pull = image->add_subcommand(
      "pull", "Make a rootfs of a Docker image: pull it (or use the engine's copy), export it, publish it");
  add_root_option(pull, *opts);
  add_label_option(pull, *opts);
  pull->add_option("--name", opts->name, "Image name (default: the reference's last path component)");
  pull->add_option("--docker-socket", opts->docker_socket,
                   "Docker engine socket (default: DOCKER_HOST=unix://PATH, else /var/run/docker.sock)");
  pull->add_option("--pull", opts->pull_policy, "When to ask the registry: always (fall back to the local image), "
                                                "missing (only if the engine lacks it), never")
      ->check(CLI::IsMember({"always", "missing", "never"}))
      ->capture_default_str();
  pull->add_option("reference", opts->reference, "Docker image reference (runbox/python:latest, python:3.12-slim)")
      ->required();
  pull->callback([opts] { run_verb("image pull", [&] { do_pull(*opts); }); });

  CLI::App* ls = image->add_subcommand("ls", "List the images");
  add_root_option(ls, *opts);
  add_runtimes_option(ls, *opts);
  ls->add_flag("--json", opts->json, "Print a JSON array");
  ls->callback([opts] { run_verb("image ls", [&] { do_list(*opts); }); });

  CLI::App* rm = image->add_subcommand("rm", "Remove an image (refused while a runtime uses it)");
  add_root_option(rm, *opts);
  add_runtimes_option(rm, *opts);
  rm->add_flag("--force", opts->force, "Remove it even if runtimes use it");
  rm->add_option("name", opts->name, "Image name")->required();
  rm->callback([opts] { run_verb("image rm", [&] { do_remove(*opts); }); });
}

}  // namespace runbox::cli
