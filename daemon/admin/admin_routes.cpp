#include "admin/admin_routes.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "admin/leftover_sweep.hpp"
#include "admin/system_info.hpp"
#include "api/error_body.hpp"
#include "docker/engine_client.hpp"
#include "docker/image_reference.hpp"
#include "images/image_name.hpp"
#include "log/logger.hpp"
#include "pull/image_pull.hpp"
#include "server/http_reply.hpp"

namespace runbox::admin {
namespace asio = boost::asio;
namespace json = boost::json;
namespace http = server::http;
using server::Request;
using server::Response;

namespace {

constexpr std::string_view kJobsPrefix = "/v1/admin/jobs/";

Response error(const Request& req, int status, const std::string& code, const std::string& message) {
  Response res = server::json_reply(req, status, api::error_body({status, code, message}));
  if (status == 503 || status == 429) res.set(http::field::retry_after, "1");
  return res;
}

Response method_not_allowed(const Request& req, http::verb allowed, std::string_view path) {
  Response res = error(req, 405, "method_not_allowed",
                       std::string(http::to_string(allowed)) + " is the only method for " + std::string(path));
  res.set(http::field::allow, http::to_string(allowed));
  return res;
}

// The body's optional string field; throws the 400's message when it is there but not a string.
std::optional<std::string> string_field(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) throw std::invalid_argument(std::string("\"") + key + "\" must be a string");
  return std::string(v->as_string());
}

pull::PullPolicy pull_policy(const std::string& text) {
  if (text == "always") return pull::PullPolicy::always;
  if (text == "missing") return pull::PullPolicy::missing;
  if (text == "never") return pull::PullPolicy::never;
  throw std::invalid_argument("\"pull\" must be \"always\", \"missing\" or \"never\", not \"" + text + "\"");
}

json::object runtimes_of_image(service::RunService& core, const std::string& image) {
  json::object out;
  const auto g = core.generation();
  for (const auto& v : core.runtimes(*g))
    if (v.state->def.image == image) out[v.state->def.name] = v.problem ? *v.problem : std::string("ready");
  return out;
}

}  // namespace

AdminRoutes::AdminRoutes(service::RunService& core, service::DockerHealthMonitor& docker, AdminJobs& jobs,
                         std::function<bool()> reprobe)
    : core_(core), docker_(docker), jobs_(jobs), reprobe_(std::move(reprobe)) {}

std::optional<std::string> AdminRoutes::route(std::string_view path) const {
  if (path == "/v1/system" || path == "/v1/admin/images/pull" || path == "/v1/admin/cleanup") return std::string(path);
  if (path.starts_with(kJobsPrefix)) return std::string(kJobsPrefix) + "{id}";
  return std::nullopt;
}

asio::awaitable<Response> AdminRoutes::handle(const Request& req, server::RequestContext ctx, const service::Caller& caller) {
  (void)ctx;
  const std::string_view path = server::path_of(req.target());
  const auto method = req.method();
  if (path == "/v1/system") {
    if (method != http::verb::get) co_return method_not_allowed(req, http::verb::get, path);
    co_return server::json_reply(req, 200, json::serialize(system_json(core_, docker_)));
  }
  if (!caller.admin)
    co_return error(req, 403, "forbidden",
                    std::string(http::to_string(method)) + " " + std::string(path) + " needs an admin key (key \"" +
                        caller.key + "\" is not one: give it admin = true or tier = \"admin\" in the keys file)");
  if (path == "/v1/admin/images/pull") {
    if (method != http::verb::post) co_return method_not_allowed(req, http::verb::post, path);
    co_return post_pull(req);
  }
  if (path == "/v1/admin/cleanup") {
    if (method != http::verb::post) co_return method_not_allowed(req, http::verb::post, path);
    Response res = co_await post_cleanup(req);
    co_return res;
  }
  if (method != http::verb::get) co_return method_not_allowed(req, http::verb::get, "/v1/admin/jobs/{id}");
  co_return get_job(req, path.substr(kJobsPrefix.size()));
}

Response AdminRoutes::post_pull(const Request& req) {
  boost::system::error_code ec;
  const json::value body = json::parse(req.body(), ec);
  if (ec) return error(req, 400, "invalid_json", "the body is not valid JSON: " + ec.message());
  if (!body.is_object()) return error(req, 400, "invalid_request", "the body must be a JSON object");
  std::string reference, name;
  pull::PullPolicy policy = pull::PullPolicy::always;
  images::Labels labels;
  for (const auto& [key, _] : body.as_object())
    if (key != "reference" && key != "name" && key != "pull" && key != "labels")
      return error(req, 400, "unknown_field", "unknown field \"" + std::string(key).substr(0, 64) +
                                                  "\" (the fields are reference, name, pull, labels)");
  try {
    auto ref = string_field(body.as_object(), "reference");
    if (!ref || ref->empty()) throw std::invalid_argument("\"reference\" (a Docker image reference) is required");
    reference = *ref;
    const docker::ImageReference parsed = docker::parse_image_reference(reference);
    name = string_field(body.as_object(), "name").value_or("");
    if (name.empty()) name = pull::default_rootfs_name(parsed);
    if (!images::is_valid_image_name(name))
      throw std::invalid_argument("\"name\" \"" + name + "\" is not a valid image name ([a-z0-9][a-z0-9._-]{0,63})");
    if (auto p = string_field(body.as_object(), "pull")) policy = pull_policy(*p);
    if (const json::value* l = body.as_object().if_contains("labels"); l && !l->is_null()) {
      if (!l->is_object()) throw std::invalid_argument("\"labels\" must be an object of strings");
      for (const auto& [k, v] : l->as_object()) {
        if (k.empty() || !v.is_string())
          throw std::invalid_argument("\"labels\" must map non-empty names to strings (as --label KEY=VALUE)");
        labels[std::string(k)] = std::string(v.as_string());
      }
    }
  } catch (const std::exception& e) {  // std::invalid_argument, images::ImageError
    return error(req, 400, "invalid_request", e.what());
  }

  json::object describe{{"kind", "image_pull"}, {"reference", reference}, {"name", name}};
  JobWork work = [this, reference, name, policy, labels](JobControl& control) {
    const auto g = core_.generation();
    const docker::EngineClient engine(g->config.docker_socket);
    images::ImageStore store(g->config.images_root);
    control.phase("pulling " + reference);
    const auto note = [&control](const std::string& line) { control.phase(line); };
    const auto progress = [&control](const images::TransferProgress& p) {
      if (control.stop_requested()) throw images::ImageError("the daemon is stopping");
      control.progress(p.bytes, p.entries, p.total_bytes);
    };
    const pull::PullReport r = pull::pull_into_store(engine, store, {reference, name, policy, labels}, note, progress);
    logging::info("image_pulled", "image " + r.name + " pulled from " + r.reference + (r.up_to_date ? " (up to date)" : ""),
                  {{"image", r.name}, {"reference", r.reference}, {"image_id", r.image_id}, {"up_to_date", r.up_to_date}});
    control.phase("probing the runtimes again");
    const bool reloaded = reprobe_();
    json::object result{{"name", r.name},
                        {"reference", r.reference},
                        {"image_id", r.image_id},
                        {"up_to_date", r.up_to_date},
                        {"pulled_from_registry", r.pulled},
                        {"registry_error", r.pull_error.empty() ? json::value(nullptr) : json::value(r.pull_error)},
                        {"warning", r.warning.empty() ? json::value(nullptr) : json::value(r.warning)}};
    if (r.import) {
      result["rootfs"] = r.import->rootfs.string();
      result["replaced"] = r.import->replaced;
      result["size_bytes"] = r.import->size_bytes;
      result["entries"] = r.import->entries;
      result["skipped"] = r.import->skipped;
    }
    result["reprobe"] = json::object{{"ok", reloaded}, {"generation", core_.generation()->number}};
    result["runtimes"] = runtimes_of_image(core_, r.name);
    return result;
  };
  const auto id = jobs_.submit(std::move(describe), std::move(work));
  if (!id) return error(req, 429, "too_many_jobs", "too many admin jobs are queued or running; retry when one has finished");
  logging::info("admin_job", "job " + *id + ": pull " + reference + " as image " + name,
                {{"job", *id}, {"reference", reference}, {"image", name}});
  Response res = server::json_reply(req, 202, json::serialize(json::object{{"id", *id}, {"state", "queued"}}));
  res.set(http::field::location, std::string(kJobsPrefix) + *id);
  return res;
}

Response AdminRoutes::get_job(const Request& req, std::string_view id) {
  auto job = jobs_.get(std::string(id));
  if (!job) return error(req, 404, "not_found", "no admin job " + std::string(id).substr(0, 64) + " (finished jobs are kept for a while, then forgotten)");
  return server::json_reply(req, 200, json::serialize(*job));
}

asio::awaitable<Response> AdminRoutes::post_cleanup(const Request& req) {
  const auto g = core_.generation();
  const CleanupTargets targets{g->config.images_root, g->config.image_cache, g->config.docker_socket};
  auto sweep = [targets]() -> asio::awaitable<json::object> { co_return cleanup_json(clean_up_leftovers(targets)); };
  json::object out = co_await asio::co_spawn(jobs_.blocking_thread(), std::move(sweep), asio::use_awaitable);
  std::size_t removed = 0;
  for (const auto& [kind, list] : out.at("removed").as_object()) removed += list.as_array().size();
  logging::info("cleanup", "cleanup removed " + std::to_string(removed) + " leftovers",
                {{"removed", out.at("removed")}});
  co_return server::json_reply(req, 200, json::serialize(out));
}

}  // namespace runbox::admin
