// Container lifecycle over the Engine API.
#include "docker/containers.hpp"

#include <signal.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>

namespace runbox::docker {
namespace {
namespace json = boost::json;

std::string engine_message_of(const Response& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (!ec && v.is_object())
    if (const auto* m = v.as_object().if_contains("message"); m && m->is_string()) return std::string(m->as_string());
  return r.body.substr(0, 300);
}

}  // namespace

std::string create_container(const EngineClient& c, const json::object& config) {
  json::value v = json::parse(c.call("POST", "/containers/create", "create container", json::serialize(config)));
  const auto* id = v.as_object().if_contains("Id");
  if (!id || !id->is_string()) throw EngineError("create container: the engine's answer has no Id");
  return std::string(id->as_string());
}

void start_container(const EngineClient& c, const std::string& id) {
  c.call("POST", "/containers/" + id + "/start", "start container");
}

void kill_container(const EngineClient& c, const std::string& id) {
  Response r = c.request("POST", "/containers/" + id + "/kill?signal=KILL");
  // 409: not running (it ended by itself meanwhile); 404: already gone.
  if (r.status == 204 || r.status == 409 || r.status == 404) return;
  throw EngineError("kill container: " + engine_message_of(r), r.status);
}

int wait_container(const EngineClient& c, const std::string& id) {
  json::value v = json::parse(c.call("POST", "/containers/" + id + "/wait?condition=not-running", "wait for container"));
  const auto* code = v.as_object().if_contains("StatusCode");
  if (!code || !code->is_number()) throw EngineError("wait for container: no StatusCode in the answer");
  return static_cast<int>(code->to_number<std::int64_t>());
}

json::object inspect_container(const EngineClient& c, const std::string& id) {
  json::value v = json::parse(c.call("GET", "/containers/" + id + "/json", "inspect container"));
  if (!v.is_object()) throw EngineError("inspect container: not an object");
  return std::move(v.as_object());
}

void remove_container(const EngineClient& c, const std::string& id) {
  Response r = c.request("DELETE", "/containers/" + id + "?force=true&v=true");
  if (r.status == 204 || r.status == 404) return;
  // 409 "removal already in progress" means someone else finishes it.
  if (r.status == 409 && engine_message_of(r).find("already in progress") != std::string::npos) return;
  throw EngineError("remove container " + id.substr(0, 12) + ": " + engine_message_of(r), r.status);
}

std::size_t remove_labelled_containers(const EngineClient& c, const std::optional<std::string>& label) {
  json::array labels{std::string(kManagedLabel) + "=true"};
  if (label) labels.emplace_back(*label);
  json::object filters;
  filters["label"] = std::move(labels);
  json::value list = json::parse(c.call("GET", "/containers/json?all=1&filters=" + url_encode(json::serialize(filters)),
                                        "list runbox containers"));
  std::size_t removed = 0;
  for (const auto& ctr : list.as_array()) {
    // The engine filtered already; check again so a filter the engine ignored removes nothing foreign.
    const auto* l = ctr.as_object().if_contains("Labels");
    if (!l || !l->is_object()) continue;
    const auto* managed = l->as_object().if_contains(kManagedLabel);
    if (!managed || !managed->is_string() || managed->as_string() != "true") continue;
    remove_container(c, std::string(ctr.as_object().at("Id").as_string()));
    ++removed;
  }
  return removed;
}

std::size_t remove_expired_containers(const EngineClient& c, const std::string& label, std::int64_t now_unix) {
  json::object filters;
  filters["label"] = json::array{std::string(kManagedLabel) + "=true", label};
  json::value list = json::parse(c.call("GET", "/containers/json?all=1&filters=" + url_encode(json::serialize(filters)),
                                        "list runbox containers"));
  std::size_t removed = 0;
  for (const auto& ctr : list.as_array()) {
    const auto* l = ctr.as_object().if_contains("Labels");
    if (!l || !l->is_object()) continue;
    const auto* managed = l->as_object().if_contains(kManagedLabel);
    const auto* deadline = l->as_object().if_contains(kDeadlineLabel);
    if (!managed || !managed->is_string() || managed->as_string() != "true" || !deadline || !deadline->is_string()) continue;
    std::int64_t when = 0;
    try {
      when = std::stoll(std::string(deadline->as_string()));
    } catch (const std::exception&) {
      continue;  // not a time runbox wrote: leave it
    }
    if (when >= now_unix) continue;
    remove_container(c, std::string(ctr.as_object().at("Id").as_string()));
    ++removed;
  }
  return removed;
}

std::size_t remove_orphaned_daemon_containers(const EngineClient& c) {
  json::object filters;
  filters["label"] = json::array{std::string(kManagedLabel) + "=true", kDaemonLabel};
  json::value list = json::parse(c.call("GET", "/containers/json?all=1&filters=" + url_encode(json::serialize(filters)),
                                        "list runbox containers"));
  std::size_t removed = 0;
  for (const auto& ctr : list.as_array()) {
    const auto* l = ctr.as_object().if_contains("Labels");
    if (!l || !l->is_object()) continue;
    const auto* managed = l->as_object().if_contains(kManagedLabel);
    const auto* daemon = l->as_object().if_contains(kDaemonLabel);
    if (!managed || !managed->is_string() || managed->as_string() != "true" || !daemon || !daemon->is_string()) continue;
    long pid = 0;
    try {
      pid = std::stol(std::string(daemon->as_string()));
    } catch (const std::exception&) {
      continue;
    }
    const bool alive = pid > 0 && pid != ::getpid() && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
    if (alive) continue;
    remove_container(c, std::string(ctr.as_object().at("Id").as_string()));
    ++removed;
  }
  return removed;
}

ContainerGuard::~ContainerGuard() {
  if (removed_) return;
  try {
    remove_container(client_, id_);
  } catch (const std::exception&) {
    // The engine is gone or refuses: the start-up sweep of labelled containers removes it later.
  }
}

void ContainerGuard::remove() {
  remove_container(client_, id_);
  removed_ = true;
}

}  // namespace runbox::docker
