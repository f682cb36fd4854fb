// Container lifecycle over the Engine API.
#include "docker/containers.hpp"

#include <signal.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <vector>

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

namespace {

// Removes each runbox container (kManagedLabel=true, and every label in `filter`: "key" or
// "key=value") for which pick(labels) says so. The engine filters; the labels are checked again
// here so a filter the engine ignored removes nothing foreign.
template <class Pick>
std::vector<std::string> remove_managed_where(const EngineClient& c, std::vector<std::string> filter, Pick pick) {
  json::array labels{std::string(kManagedLabel) + "=true"};
  for (auto& f : filter) labels.emplace_back(std::move(f));
  json::object filters;
  filters["label"] = std::move(labels);
  json::value list = json::parse(c.call("GET", "/containers/json?all=1&filters=" + url_encode(json::serialize(filters)),
                                        "list runbox containers"));
  std::vector<std::string> removed;
  for (const auto& ctr : list.as_array()) {
    const auto* l = ctr.as_object().if_contains("Labels");
    if (!l || !l->is_object()) continue;
    const auto* managed = l->as_object().if_contains(kManagedLabel);
    if (!managed || !managed->is_string() || managed->as_string() != "true" || !pick(l->as_object())) continue;
    const std::string id(ctr.as_object().at("Id").as_string());
    remove_container(c, id);
    removed.push_back(id.substr(0, 12));
  }
  return removed;
}

// A label's value as a number; nullopt when absent or not one runbox wrote.
std::optional<std::int64_t> number_label(const json::object& labels, const char* key) {
  const auto* v = labels.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  try {
    return std::stoll(std::string(v->as_string()));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::size_t remove_labelled_containers(const EngineClient& c, const std::optional<std::string>& label) {
  std::vector<std::string> filter;
  if (label) filter.push_back(*label);
  return remove_managed_where(c, filter, [](const json::object&) { return true; }).size();
}

std::vector<std::string> remove_expired_container_ids(const EngineClient& c, const std::string& label,
                                                      std::int64_t now_unix) {
  return remove_managed_where(c, {label}, [now_unix](const json::object& labels) {
    auto when = number_label(labels, kDeadlineLabel);
    return when && *when < now_unix;
  });
}

std::size_t remove_expired_containers(const EngineClient& c, const std::string& label, std::int64_t now_unix) {
  return remove_expired_container_ids(c, label, now_unix).size();
}

std::vector<std::string> remove_orphaned_daemon_container_ids(const EngineClient& c, bool self_alive) {
  return remove_managed_where(c, {kDaemonLabel}, [self_alive](const json::object& labels) {
    auto pid = number_label(labels, kDaemonLabel);
    if (!pid || *pid <= 0) return false;
    if (*pid == ::getpid()) return !self_alive;
    const bool alive = ::kill(static_cast<pid_t>(*pid), 0) == 0 || errno == EPERM;
    return !alive;
  });
}

std::size_t remove_orphaned_daemon_containers(const EngineClient& c) {
  return remove_orphaned_daemon_container_ids(c, false).size();
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
