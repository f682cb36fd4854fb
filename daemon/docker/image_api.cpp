#include "docker/image_api.hpp"

#include <chrono>

#include "docker/containers.hpp"

#include <boost/json.hpp>

namespace runbox::docker {
namespace {
namespace json = boost::json;

std::string string_at(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::vector<std::string> strings_at(const json::object& o, const char* key) {
  std::vector<std::string> out;
  if (const json::value* v = o.if_contains(key); v && v->is_array())
    for (const auto& item : v->as_array())
      if (item.is_string()) out.emplace_back(item.as_string());
  return out;
}

std::string message_of(const std::string& body) {
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (!ec && v.is_object())
    if (const auto* m = v.as_object().if_contains("message"); m && m->is_string()) return std::string(m->as_string());
  return body.substr(0, 300);
}

// The engine answers /images/create with one JSON object per line (progress), and reports a
// failure that happens after the 200 as {"error": "...", "errorDetail": {...}}. Splits lines
// across chunks; keeps the last "status" (fromSrc ends with the new image's id there).
class ProgressLines {
 public:
  explicit ProgressLines(std::string what) : what_(std::move(what)) {}
  void feed(std::string_view chunk) {
    pending_.append(chunk);
    std::size_t nl;
    while ((nl = pending_.find('\n')) != std::string::npos) {
      line(pending_.substr(0, nl));
      pending_.erase(0, nl + 1);
    }
  }
  void end() {
    if (!pending_.empty()) line(pending_);
    pending_.clear();
  }
  const std::string& last_status() const { return last_status_; }

 private:
  void line(const std::string& text) {
    boost::system::error_code ec;
    const json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return;
    const json::object& o = v.as_object();
    if (const std::string error = string_at(o, "error"); !error.empty())
      throw EngineError(what_ + ": " + error, 500);
    if (const std::string status = string_at(o, "status"); !status.empty()) last_status_ = status;
  }
  std::string what_;
  std::string pending_;
  std::string last_status_;
};

}  // namespace

std::optional<EngineImage> inspect_image(const EngineClient& c, const std::string& name) {
  const Response r = c.request("GET", "/images/" + name + "/json");
  if (r.status == 404) return std::nullopt;
  if (r.status != 200) throw EngineError("inspect image " + name + ": " + message_of(r.body), r.status);
  boost::system::error_code ec;
  const json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object()) throw EngineError("inspect image " + name + ": the engine's answer is not a JSON object");
  const json::object& o = v.as_object();
  EngineImage image;
  image.id = string_at(o, "Id");
  if (image.id.empty()) throw EngineError("inspect image " + name + ": the engine's answer has no Id");
  image.repo_tags = strings_at(o, "RepoTags");
  image.repo_digests = strings_at(o, "RepoDigests");
  if (const json::value* size = o.if_contains("Size"); size && size->is_number())
    image.size = static_cast<std::uint64_t>(size->to_number<std::int64_t>());
  if (const json::value* config = o.if_contains("Config"); config && config->is_object()) {
    image.env = strings_at(config->as_object(), "Env");
    image.working_dir = string_at(config->as_object(), "WorkingDir");
    image.user = string_at(config->as_object(), "User");
  }
  return image;
}

void pull_image(const EngineClient& c, const ImageReference& ref) {
  std::string target = "/images/create?fromImage=" + url_encode(ref.repository);
  // The engine takes a digest where the tag goes.
  target += "&tag=" + url_encode(ref.digest.empty() ? ref.tag : ref.digest);
  ProgressLines progress("pull " + ref.text());
  try {
    c.stream("POST", target, {}, "application/json", [&](std::string_view chunk) { progress.feed(chunk); });
  } catch (const EngineError& e) {
    if (e.unreachable()) throw;
    // EngineClient says "POST <target>: <the engine's message>"; the target is noise here.
    std::string why = e.what();
    if (const auto colon = why.find(": "); colon != std::string::npos) why.erase(0, colon + 2);
    throw EngineError("pull " + ref.text() + ": " + why, e.status());
  }
  progress.end();
}

std::string create_export_container(const EngineClient& c, const std::string& image_id) {
  const json::object body{
      {"Image", image_id},
      // Never started: a command is only needed because the engine refuses a container of an
      // image that has none (imported root filesystems have none).
      {"Cmd", json::array{"/runbox-export-only"}},
      {"NetworkDisabled", true},
      {"Labels", json::object{{kManagedLabel, "true"},
                              {kPurposeLabelKey, "image-export"},
                              {kDeadlineLabel, std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                                  std::chrono::system_clock::now().time_since_epoch())
                                                                  .count() +
                                                              6 * 3600)}}},
      {"HostConfig", json::object{{"NetworkMode", "none"}}}};
  const json::value v = json::parse(c.call("POST", "/containers/create", "create a container to export",
                                           json::serialize(body)));
  const std::string id = v.is_object() ? string_at(v.as_object(), "Id") : std::string();
  if (id.empty()) throw EngineError("create a container to export: the engine's answer has no Id");
  return id;
}

std::uint64_t export_container(const EngineClient& c, const std::string& id, const EngineClient::ChunkFn& on_chunk) {
  return c.get_stream("/containers/" + id + "/export", on_chunk);
}

std::string import_image_tar(const EngineClient& c, const std::string& tar, const std::string& repo,
                             const std::string& tag, const std::vector<std::string>& changes) {
  std::string target = "/images/create?fromSrc=-&repo=" + url_encode(repo) + "&tag=" + url_encode(tag);
  for (const auto& change : changes) target += "&changes=" + url_encode(change);
  ProgressLines progress("import " + repo + ":" + tag);
  c.stream("POST", target, tar, "application/x-tar", [&](std::string_view chunk) { progress.feed(chunk); });
  progress.end();
  const auto image = inspect_image(c, repo + ":" + tag);
  if (!image) throw EngineError("import " + repo + ":" + tag + ": the engine does not list the new image");
  return image->id;
}

void delete_image(const EngineClient& c, const std::string& name) {
  const Response r = c.request("DELETE", "/images/" + name + "?force=1");
  if (r.status == 200 || r.status == 404) return;
  throw EngineError("remove image " + name + ": " + message_of(r.body), r.status);
}

}  // namespace runbox::docker
