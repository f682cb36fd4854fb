#pragma once
// Container lifecycle calls on the Engine API, each one request, errors as EngineError. Every
// container runbox makes carries kManagedLabel, so leftovers (a crash, a killed engine) can be
// found and removed later without ever touching anyone else's containers.
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "docker/engine_client.hpp"

namespace runbox::docker {

inline constexpr const char* kManagedLabel = "io.runbox.managed";  // value "true"

// POST /containers/create; returns the id.
std::string create_container(const EngineClient& c, const boost::json::object& config);
void start_container(const EngineClient& c, const std::string& id);
// SIGKILL; a container that is not running (any more) is not an error.
void kill_container(const EngineClient& c, const std::string& id);
// Waits until it is not running; returns its exit status.
int wait_container(const EngineClient& c, const std::string& id);
boost::json::object inspect_container(const EngineClient& c, const std::string& id);
// Force-removes it with its anonymous volumes; an already removed one is not an error.
void remove_container(const EngineClient& c, const std::string& id);

// Removes every container (running or not) that has kManagedLabel=true and, when `label` is
// given ("key=value"), that label too. Returns how many were removed.
std::size_t remove_labelled_containers(const EngineClient& c, const std::optional<std::string>& label = std::nullopt);

// Containers carry kDeadlineLabel: the unix time after which no run can still need them (their
// start plus the wall limit plus a margin). A container whose run lost the engine mid-way (the
// engine restarted, the connection broke) is orphaned with its program possibly still running;
// remove_expired_containers() force-removes those past their deadline, matching `label` too.
inline constexpr const char* kDeadlineLabel = "io.runbox.deadline";
// The runboxd process (pid) that made a container.
inline constexpr const char* kDaemonLabel = "io.runbox.daemon";
// Start-up sweep: removes the containers made by a runboxd that is gone (its pid is not alive,
// or is this process's own: a restarted daemon under systemd may get the same pid). Containers
// of live daemons and of other runbox tools (image pulls) are left alone.
std::size_t remove_orphaned_daemon_containers(const EngineClient& c);
std::size_t remove_expired_containers(const EngineClient& c, const std::string& label, std::int64_t now_unix);
// The same two, returning the ids (12 hex digits) removed. `self_alive`: this process is a
// daemon still serving (POST /v1/admin/cleanup), whose own containers are in use.
std::vector<std::string> remove_orphaned_daemon_container_ids(const EngineClient& c, bool self_alive);
std::vector<std::string> remove_expired_container_ids(const EngineClient& c, const std::string& label,
                                                      std::int64_t now_unix);

// Removes the container when it goes out of scope, whatever path leaves the scope. Never throws.
class ContainerGuard {
 public:
  ContainerGuard(const EngineClient& c, std::string id) : client_(c), id_(std::move(id)) {}
  ~ContainerGuard();
  ContainerGuard(const ContainerGuard&) = delete;
  ContainerGuard& operator=(const ContainerGuard&) = delete;
  const std::string& id() const { return id_; }
  // Removes now; throws when the engine refuses (the destructor only retries quietly).
  void remove();

 private:
  const EngineClient& client_;
  std::string id_;
  bool removed_ = false;
};

}  // namespace runbox::docker
