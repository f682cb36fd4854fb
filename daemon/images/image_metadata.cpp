#include "images/image_metadata.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "images/image_error.hpp"

namespace runbox::images {
namespace json = boost::json;
namespace {

std::optional<std::uint64_t> as_count(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
  return std::nullopt;
}

std::optional<std::string> as_string(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

void write_all(int fd, const std::string& text, const std::string& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ImageError("cannot write " + path + ": " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string rfc3339_utc(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm {};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string metadata_to_json(const ImageMetadata& meta) {
  json::object labels;
  for (const auto& [key, value] : meta.labels) labels[key] = value;
  json::value config = nullptr;
  if (meta.config) {
    json::array env;
    for (const auto& e : meta.config->env) env.emplace_back(e);
    config = json::object{{"Env", std::move(env)}, {"WorkingDir", meta.config->working_dir}, {"User", meta.config->user}};
  }
  const json::object o{{"name", meta.name},
                       {"source", meta.source},
                       {"imported_at", meta.imported_at},
                       {"size_bytes", meta.size_bytes},
                       {"entries", meta.entries},
                       {"skipped", meta.skipped},
                       {"labels", std::move(labels)},
                       {"image_id", meta.image_id},
                       {"digest", meta.digest},
                       {"reference", meta.reference},
                       {"config", std::move(config)},
                       {"image_size_bytes", meta.image_size_bytes}};
  return json::serialize(o) + "\n";
}

std::optional<ImageMetadata> metadata_from_json(const std::string& text) {
  std::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.as_object();
  ImageMetadata meta;
  const auto name = as_string(o, "name");
  if (!name) return std::nullopt;
  meta.name = *name;
  meta.source = as_string(o, "source").value_or("");
  meta.imported_at = as_string(o, "imported_at").value_or("");
  meta.size_bytes = as_count(o, "size_bytes").value_or(0);
  meta.entries = as_count(o, "entries").value_or(0);
  meta.skipped = as_count(o, "skipped").value_or(0);
  if (const json::value* labels = o.if_contains("labels"); labels && labels->is_object())
    for (const auto& item : labels->as_object())
      if (item.value().is_string())
        meta.labels.emplace(std::string(item.key()), std::string(item.value().as_string()));
  meta.image_id = as_string(o, "image_id").value_or("");
  meta.digest = as_string(o, "digest").value_or("");
  meta.reference = as_string(o, "reference").value_or("");
  meta.image_size_bytes = as_count(o, "image_size_bytes").value_or(0);
  if (const json::value* c = o.if_contains("config"); c && c->is_object()) {
    const json::object& co = c->as_object();
    ImageConfig config;
    if (const json::value* env = co.if_contains("Env"); env && env->is_array())
      for (const auto& e : env->as_array())
        if (e.is_string()) config.env.emplace_back(e.as_string());
    config.working_dir = as_string(co, "WorkingDir").value_or("");
    config.user = as_string(co, "User").value_or("");
    meta.config = std::move(config);
  }
  return meta;
}

std::optional<ImageMetadata> read_metadata(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return metadata_from_json(text.str());
}

std::optional<ImageMetadata> read_rootfs_metadata(const std::filesystem::path& rootfs) {
  const std::filesystem::path clean = rootfs.lexically_normal();
  const std::filesystem::path dir = clean.has_filename() ? clean : clean.parent_path();  // "x/python/"
  return read_metadata(dir.parent_path() / ".meta" / (dir.filename().string() + ".json"));
}

PendingMetadata::PendingMetadata(const std::filesystem::path& dir, const ImageMetadata& meta) {
  std::string tmpl = (dir / ("." + meta.name + ".json-XXXXXX")).string();
  const int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) throw ImageError("cannot create a file in " + dir.string() + ": " + std::strerror(errno));
  temp_ = tmpl;
  try {
    write_all(fd, metadata_to_json(meta), tmpl);
    if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0)
      throw ImageError("cannot write " + tmpl + ": " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    throw;
  }
  ::close(fd);
}

PendingMetadata::~PendingMetadata() {
  if (!committed_) ::unlink(temp_.c_str());
}

void PendingMetadata::commit(const std::filesystem::path& final_path) {
  if (::rename(temp_.c_str(), final_path.c_str()) != 0)
    throw ImageError("cannot rename " + temp_.string() + " to " + final_path.string() + ": " +
                     std::strerror(errno));
  committed_ = true;
}

}  // namespace runbox::images
