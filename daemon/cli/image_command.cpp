// `runbox image import|ls|rm`: the command-line front of runbox::images::ImageStore.
#include <algorithm>
#include <boost/json.hpp>
#include <cinttypes>
#include <cstdio>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "commands.hpp"
#include "images/image_store.hpp"

namespace runbox::cli {
namespace {

namespace img = runbox::images;

constexpr const char* kDefaultRoot = "/var/lib/runbox/rootfs";
constexpr std::uint64_t kProgressEvery = 10000;

struct ImageOptions {
  std::string root = kDefaultRoot;
  std::string tarball;
  std::string name;
  std::vector<std::string> labels;
  bool json = false;
};

// main() prints "runbox: <what>" and exits 1; the verb goes in front of the message.
template <typename Fn>
void run_verb(const char* verb, Fn fn) {
  try {
    fn();
  } catch (const img::ImageError& e) {
    throw std::runtime_error(std::string(verb) + ": " + e.what());
  }
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

std::string human_size(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0)
    std::snprintf(buf, sizeof buf, "%" PRIu64 "B", bytes);
  else
    std::snprintf(buf, sizeof buf, "%.1f%s", value, units[unit]);
  return buf;
}

std::string labels_text(const img::Labels& labels) {
  std::string text;
  for (const auto& [key, value] : labels) text += (text.empty() ? "" : ",") + key + "=" + value;
  return text.empty() ? "-" : text;
}

void do_import(const ImageOptions& o) {
  img::ImageStore store(o.root);
  const auto progress = [](const img::ExtractStats& s) {
    if (s.entries % kProgressEvery == 0)
      std::fprintf(stderr, "runbox: image import: %" PRIu64 " entries...\n", s.entries);
  };
  const img::ImportReport r = store.import_tarball(o.tarball, o.name, parse_labels(o.labels), progress);
  std::printf("%s image %s at %s: %" PRIu64 " entries, %s (%" PRIu64
              " bytes), %" PRIu64 " device nodes skipped\n",
              r.replaced ? "replaced" : "imported", r.name.c_str(), r.rootfs.c_str(), r.entries,
              human_size(r.size_bytes).c_str(), r.size_bytes, r.skipped);
}

boost::json::value info_json(const img::ImageInfo& info) {
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
  return o;
}

void do_list(const ImageOptions& o) {
  const std::vector<img::ImageInfo> images = img::ImageStore(o.root).list();
  if (o.json) {
    boost::json::array out;
    for (const auto& info : images) out.push_back(info_json(info));
    std::printf("%s\n", boost::json::serialize(out).c_str());
    return;
  }
  std::vector<std::vector<std::string>> rows{{"NAME", "SIZE", "IMPORTED", "LABELS"}};
  for (const auto& info : images) {
    const auto& m = info.metadata;
    rows.push_back({info.name, m ? human_size(m->size_bytes) : "-", m ? m->imported_at : "-",
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
  img::ImageStore(o.root).remove(o.name);
  std::printf("removed image %s\n", o.name.c_str());
}

void add_root_option(CLI::App* cmd, ImageOptions& o) {
  cmd->add_option("--root", o.root, "Directory holding the unpacked images")
      ->capture_default_str();
}

}  // namespace

void register_image_commands(CLI::App& app) {
  auto opts = std::make_shared<ImageOptions>();
  CLI::App* image = app.add_subcommand("image", "Import, list and remove rootfs images");
  image->require_subcommand(1);

  CLI::App* import = image->add_subcommand("import", "Unpack a rootfs tarball as an image");
  add_root_option(import, *opts);
  import->add_option("--label", opts->labels, "Label recorded with the image (repeatable)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  import->add_option("tarball", opts->tarball, "Rootfs tarball (mmdebstrap output, docker export)")
      ->required();
  import->add_option("name", opts->name, "Image name: [a-z0-9][a-z0-9._-]{0,63}")->required();
  import->callback([opts] { run_verb("image import", [&] { do_import(*opts); }); });

  CLI::App* ls = image->add_subcommand("ls", "List the images");
  add_root_option(ls, *opts);
  ls->add_flag("--json", opts->json, "Print a JSON array");
  ls->callback([opts] { run_verb("image ls", [&] { do_list(*opts); }); });

  CLI::App* rm = image->add_subcommand("rm", "Remove an image");
  add_root_option(rm, *opts);
  rm->add_option("name", opts->name, "Image name")->required();
  rm->callback([opts] { run_verb("image rm", [&] { do_remove(*opts); }); });
}

}  // namespace runbox::cli
