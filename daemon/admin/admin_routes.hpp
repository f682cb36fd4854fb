#pragma once
// runboxd's own system and admin endpoints (docs/api.md): GET /v1/system for any authenticated
// caller; POST /v1/admin/images/pull, GET /v1/admin/jobs/{id} and POST /v1/admin/cleanup for
// admin callers only (service::Caller.admin: an admin key, or anyone without a keys file),
// everyone else 403 forbidden. Served as a facade of the App (server/facade.hpp): the App
// screens, authenticates and rate-limits these requests as any other; the work is in
// admin_jobs, leftover_sweep and system_info, and nothing blocking runs on an I/O thread.
#include <functional>

#include "admin/admin_jobs.hpp"
#include "server/facade.hpp"
#include "service/docker_health_monitor.hpp"
#include "service/run_service.hpp"

namespace runbox::admin {

class AdminRoutes final : public server::Facade {
 public:
  // `reprobe`: reload every file and probe the runtimes again (server::Reloader::reload; blocking);
  // true when the new generation is in force. `jobs` outlives this object's use (runboxd.cpp).
  AdminRoutes(service::RunService& core, service::DockerHealthMonitor& docker, AdminJobs& jobs,
              std::function<bool()> reprobe);

  std::optional<std::string> route(std::string_view path) const override;
  boost::asio::awaitable<server::Response> handle(const server::Request& req, server::RequestContext ctx,
                                                  const service::Caller& caller) override;

 private:
  server::Response post_pull(const server::Request& req);
  server::Response get_job(const server::Request& req, std::string_view id);
  boost::asio::awaitable<server::Response> post_cleanup(const server::Request& req);

  service::RunService& core_;
  service::DockerHealthMonitor& docker_;
  AdminJobs& jobs_;
  std::function<bool()> reprobe_;
};

}  // namespace runbox::admin
