#pragma once
// runboxd's gRPC transport: runbox.v1.Runner (Run, RunStream, Runtimes) over the service core,
// the standard grpc.health.v1.Health (SERVING while the core is ready, as /readyz says 200) and
// server reflection, on the grpc_listen addresses. Each call takes the generation in force when
// it arrives (a reload applies to the next call), the same keys and rate limits as HTTP
// (service::Admission with the authorization / x-api-key metadata), RunRecord's accounting and
// log line, and the request metrics under "grpc:<method>". gRPC runs its own threads: a call
// waits for its slot on one of them, never on an HTTP I/O thread.
#include <memory>
#include <stop_token>
#include <thread>
#include <vector>

#include "config/daemon_config.hpp"
#include "service/run_service.hpp"

namespace grpc {
class Server;
class Service;
}  // namespace grpc

namespace runbox::grpc_api {

class GrpcServer {
 public:
  // No addresses: no server (start() does nothing). From the config: the largest request
  // (max_body_bytes, as HTTP's body) and the calls that may wait at once (slots + queue: each
  // holds one of gRPC's threads while its run waits or runs; beyond, RESOURCE_EXHAUSTED).
  GrpcServer(service::RunService& core, const config::DaemonConfig& cfg);
  ~GrpcServer();  // stop()
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // Binds every address and serves; throws when one cannot be bound.
  void start();
  // Stops accepting, gives calls in flight a moment, then cancels them.
  void stop();

 private:
  void watch_readiness(std::stop_token stop);
  void set_serving(bool serving);

  service::RunService& core_;
  std::vector<config::Listener> addresses_;
  std::size_t max_message_bytes_;
  int max_threads_;
  std::unique_ptr<grpc::Service> runner_;
  std::unique_ptr<grpc::Server> server_;
  std::jthread health_;
};

}  // namespace runbox::grpc_api
