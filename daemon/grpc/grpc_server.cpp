#include "grpc/grpc_server.hpp"

#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>

#include "api/run_request_checks.hpp"
#include "api/stage_result.hpp"
#include "grpc/grpc_status.hpp"
#include "grpc/proto_convert.hpp"
#include "log/logger.hpp"
#include "runbox/sandbox/unique_fd.hpp"
#include "runbox/v1/runbox.grpc.pb.h"
#include "service/run_response.hpp"

namespace runbox::grpc_api {
namespace {

namespace v1 = runbox::v1;
using namespace std::chrono_literals;

// How often a waiting call looks whether its client has gone (then the run is cancelled).
constexpr auto kCancelPoll = 50ms;

std::string_view metadata(const grpc::ServerContext& ctx, std::string_view key) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(grpc::string_ref(key.data(), key.size()));
  if (it == md.end()) return {};
  return {it->second.data(), it->second.size()};
}

api::StageKind stage_kind(job::StageRef::Kind k) {
  switch (k) {
    case job::StageRef::Kind::compile: return api::StageKind::compile;
    case job::StageRef::Kind::run: return api::StageKind::run;
    case job::StageRef::Kind::test: break;
  }
  return api::StageKind::test;
}

// One run as a call waits for it: the outcome (from the slot thread), the events of a
// streaming call queued for the call's thread to write, and the run's cancel eventfd.
class CallRun final : public job::JobEvents {
 public:
  explicit CallRun(bool stream) : stream_(stream), cancel_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

  void stage_started(const job::StageRef& s) override {
    if (!stream_) return;
    v1::RunEvent e;
    to_proto(s, e.mutable_stage_started()->mutable_stage());
    push(std::move(e));
  }
  void output(const job::StageRef& s, std::uint8_t stream, std::string_view bytes) override {
    if (!stream_) return;
    v1::RunEvent e;
    auto* o = e.mutable_output();
    to_proto(s, o->mutable_stage());
    o->set_stream(stream == 2 ? v1::STREAM_STDERR : v1::STREAM_STDOUT);
    o->set_data(bytes.data(), bytes.size());
    push(std::move(e));
  }
  void stage_finished(const job::StageRef& s, const sandbox::Result& result) override {
    if (!stream_) return;
    v1::RunEvent e;
    auto* f = e.mutable_stage_finished();
    to_proto(s, f->mutable_stage());
    // A test's verdict needs its comparison, which the job makes after this: the final
    // RunResponse (the done event) carries it.
    to_proto(api::stage_result(sandbox::Result(result), stage_kind(s.kind)), f->mutable_result());
    push(std::move(e));
  }

  void finish(service::RunOutcome o) {
    std::lock_guard lock(mu_);
    outcome_ = std::move(o);
    changed_.notify_all();
  }
  int cancel_fd() const { return cancel_.get(); }

  // Waits for the outcome, handing each queued event to write (false: the client is gone) and
  // cancelling the run once the client has cancelled or gone. The outcome always comes: a
  // cancelled run ends at once.
  template <class Write>
  service::RunOutcome wait(grpc::ServerContext& ctx, Write write) {
    std::unique_lock lock(mu_);
    for (;;) {
      while (!events_.empty()) {
        v1::RunEvent e = std::move(events_.front());
        events_.pop_front();
        if (cancelled_) continue;
        lock.unlock();
        const bool ok = write(e);
        lock.lock();
        if (!ok) cancel();
      }
      if (outcome_) return std::move(*outcome_);
      if (!cancelled_ && ctx.IsCancelled()) cancel();
      changed_.wait_for(lock, kCancelPoll);
    }
  }
  bool cancelled() const { return cancelled_; }

 private:
  void push(v1::RunEvent e) {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(e));
    changed_.notify_all();
  }
  void cancel() {
    cancelled_ = true;
    std::uint64_t one = 1;
    (void)!::write(cancel_.get(), &one, sizeof one);
  }

  const bool stream_;
  sandbox::UniqueFd cancel_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<v1::RunEvent> events_;
  std::optional<service::RunOutcome> outcome_;
  bool cancelled_ = false;
};

class Runner final : public v1::Runner::Service {
 public:
  explicit Runner(service::RunService& core) : core_(core) {}

  grpc::Status Run(grpc::ServerContext* ctx, const v1::RunRequest* req, v1::RunResponse* res) override {
    return run(*ctx, *req, "grpc:Run", [&](v1::RunResponse&& r) {
      *res = std::move(r);
      return true;
    }, nullptr);
  }

  grpc::Status RunStream(grpc::ServerContext* ctx, const v1::RunRequest* req,
                         grpc::ServerWriter<v1::RunEvent>* writer) override {
    return run(*ctx, *req, "grpc:RunStream", [&](v1::RunResponse&& r) {
      v1::RunEvent e;
      *e.mutable_done() = std::move(r);
      return writer->Write(e);
    }, writer);
  }

  grpc::Status Runtimes(grpc::ServerContext* ctx, const v1::RuntimesRequest*, v1::RuntimesResponse* res) override {
    const std::string label = "grpc:Runtimes";
    auto g = core_.generation();
    service::Caller caller;
    if (auto refused = admit(*ctx, *g, caller, label)) return *refused;
    for (const auto& v : core_.runtimes(*g)) {
      const auto& s = *v.state;
      auto* rt = res->add_runtimes();
      rt->set_name(s.def.name);
      for (const auto& a : s.def.aliases) rt->add_aliases(a);
      if (s.version) rt->set_version(*s.version);
      rt->set_compiled(s.def.has_compile());
      rt->set_backend(v.backend);
      if (v.problem) rt->set_error(*v.problem);
    }
    core_.metrics().count_request(label, 200);
    return grpc::Status::OK;
  }

 private:
  // The key and its rate limit, as HTTP's authenticate(): nullopt admitted (as caller).
  std::optional<grpc::Status> admit(const grpc::ServerContext& ctx, const service::Generation& g,
                                    service::Caller& caller, const std::string& label) {
    auto refused = core_.admission().admit(g, metadata(ctx, "authorization"), metadata(ctx, "x-api-key"), caller);
    if (!refused) return std::nullopt;
    logging::warning(refused->status == 401 ? "unauthorized" : "rate_limited",
                     label + " refused: " + std::to_string(refused->status) + " " + refused->code,
                     {{"endpoint", label}, {"http_status", refused->status}, {"key", caller.key}});
    core_.metrics().count_request(label, refused->status);
    return refusal_status(*refused);
  }

  // App::post_run's walk: check → plan → execute → record → answer. answer() sends the
  // response (false: the client is gone); writer: a streaming call's, for the events.
  template <class Answer>
  grpc::Status run(grpc::ServerContext& ctx, const v1::RunRequest& req, const std::string& label, Answer answer,
                   grpc::ServerWriter<v1::RunEvent>* writer) {
    auto g = core_.generation();  // this run's files, to its end
    service::Caller caller;
    if (auto refused = admit(ctx, *g, caller, label)) return *refused;
    service::RunRecord record(caller);
    auto refuse = [&](const service::Refusal& r) {
      record.refused(r);
      core_.metrics().count_request(label, r.status);
      return refusal_status(r);
    };
    api::RunRequest request = from_proto(req);
    if (auto e = api::check_run_request(request, service::parse_limits(*g, caller)))
      return refuse({e->status, e->code, e->message});
    auto planned = core_.plan(std::move(g), caller, std::move(request), record);
    if (auto* r = std::get_if<service::Refusal>(&planned)) return refuse(*r);
    auto plan = std::make_shared<const service::RunPlan>(std::move(std::get<service::RunPlan>(planned)));

    auto call = std::make_shared<CallRun>(writer != nullptr);
    std::function<void(service::RunOutcome)> done = [call](service::RunOutcome o) { call->finish(std::move(o)); };
    if (!core_.execute(plan, call->cancel_fd(), std::move(done), {}, writer ? call : nullptr))
      return refuse(service::RunService::overloaded());
    ctx.AddInitialMetadata("x-request-id", record.id());
    service::RunOutcome outcome = call->wait(ctx, [&](const v1::RunEvent& e) { return writer->Write(e); });
    record.finished(*plan, outcome, core_.metrics());
    if (call->cancelled() || ctx.IsCancelled()) {
      core_.metrics().count_request(label, 499);
      return grpc::Status(grpc::StatusCode::CANCELLED, "the client cancelled the call; the run was killed");
    }
    v1::RunResponse response;
    to_proto(service::run_response(record.id(), *plan, std::move(outcome.job)), &response);
    plan.reset();
    core_.metrics().count_request(label, 200);
    if (!answer(std::move(response))) return grpc::Status(grpc::StatusCode::CANCELLED, "the client has gone");
    return grpc::Status::OK;
  }

  service::RunService& core_;
};

}  // namespace

GrpcServer::GrpcServer(service::RunService& core, const config::DaemonConfig& cfg)
    : core_(core),
      addresses_(cfg.grpc_listen),
      max_message_bytes_(cfg.max_body_bytes),
      // Twice the runs that can wait or run (a streaming call and its events), and a few for
      // health, reflection, Runtimes and the refusals.
      max_threads_(static_cast<int>(std::min<std::uint64_t>(2ull * (cfg.slots + cfg.effective_queue_size()) + 16, 4096))) {}

GrpcServer::~GrpcServer() { stop(); }

void GrpcServer::start() {
  if (addresses_.empty()) return;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  runner_ = std::make_unique<Runner>(core_);
  grpc::ServerBuilder builder;
  std::vector<std::unique_ptr<int>> ports;
  for (const auto& a : addresses_) {
    ports.push_back(std::make_unique<int>(0));
    // Plaintext, as HTTP: TLS is a proxy's business (docs/deployment.md).
    builder.AddListeningPort(a.text, grpc::InsecureServerCredentials(), ports.back().get());
  }
  builder.RegisterService(runner_.get());
  grpc::ResourceQuota quota("runbox-grpc");
  quota.SetMaxThreads(max_threads_);
  builder.SetResourceQuota(quota);
  builder.SetMaxReceiveMessageSize(static_cast<int>(std::min<std::size_t>(max_message_bytes_, INT32_MAX)));
  server_ = builder.BuildAndStart();
  if (!server_) throw std::runtime_error("gRPC: cannot listen on the grpc_listen addresses");
  for (std::size_t i = 0; i < addresses_.size(); ++i) {
    const auto& a = addresses_[i];
    if (a.kind == config::Listener::Kind::tcp && *ports[i] == 0)
      throw std::runtime_error("gRPC: cannot listen on " + a.text);
    const std::string address = a.kind == config::Listener::Kind::tcp
                                    ? (a.host.find(':') != std::string::npos ? "[" + a.host + "]" : a.host) + ":" +
                                          std::to_string(*ports[i])
                                    : a.text;
    if (a.kind == config::Listener::Kind::unix_socket) ::chmod(a.path.c_str(), 0660);  // as HTTP's
    logging::info("grpc_listening", "gRPC on " + address, {{"address", address}});
  }
  set_serving(core_.ready());
  health_ = std::jthread([this](std::stop_token stop) { watch_readiness(stop); });
}

void GrpcServer::watch_readiness(std::stop_token stop) {
  std::mutex mu;
  std::condition_variable_any cv;
  bool last = core_.ready();
  while (!stop.stop_requested()) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, stop, 200ms, [] { return false; });
    const bool now = core_.ready();
    if (now != last && !stop.stop_requested()) {
      set_serving(now);
      last = now;
    }
  }
}

void GrpcServer::set_serving(bool serving) {
  auto* health = server_->GetHealthCheckService();
  health->SetServingStatus(v1::Runner::service_full_name(), serving);
  health->SetServingStatus(serving);  // every service, "" (the whole server) too
}

void GrpcServer::stop() {
  if (!server_) return;
  health_ = {};  // joined
  set_serving(false);
  server_->Shutdown(std::chrono::system_clock::now() + 2s);
  server_->Wait();
  server_.reset();
}

}  // namespace runbox::grpc_api
