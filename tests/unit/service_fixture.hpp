#pragma once
// The service core in-process, without a sandbox or an engine: the project's own policy and
// runtime files, a catalog probed through a fake backend, a fake docker engine, and a fake
// backend whose answer a test writes (service/run_service.hpp).
#include <sys/eventfd.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "config/daemon_config.hpp"
#include "config/policy.hpp"
#include "config/runtime_def.hpp"
#include "service/engine_health.hpp"
#include "service/generation.hpp"
#include "service/run_service.hpp"
#include "test_env.hpp"

namespace runbox::test {

inline sandbox::Result ended(sandbox::Status status, std::string out = "", std::optional<int> code = 0) {
  sandbox::Result r;
  r.status = status;
  r.exit_code = code;
  r.stdout_data = std::move(out);
  return r;
}

// Answers every stage with what `answer` says; remembers the specs it was given.
class FakeBackend final : public backend::Backend {
 public:
  using Answer = std::function<sandbox::Result(const sandbox::Spec&)>;
  explicit FakeBackend(Answer answer, std::string name = "native") : answer_(std::move(answer)), name_(std::move(name)) {}
  std::string name() const override { return name_; }
  sandbox::Result run_stage(const sandbox::Spec& spec) override {
    {
      std::lock_guard lock(mu_);
      specs_.push_back(spec);
    }
    return answer_(spec);
  }
  std::vector<sandbox::Spec> specs() const {
    std::lock_guard lock(mu_);
    return specs_;
  }

 private:
  Answer answer_;
  std::string name_;
  mutable std::mutex mu_;
  std::vector<sandbox::Spec> specs_;
};

class FakeEngine final : public service::EngineHealth {
 public:
  std::optional<std::string> down;  // set: the engine is unavailable, with this reason
  int checks = 0;
  std::optional<std::string> unavailable() override { return down; }
  std::optional<std::string> missing_runtime(const std::string& oci) override {
    if (oci.empty() || oci == "runc") return std::nullopt;
    return "no OCI runtime " + oci;
  }
  void check_now() override { ++checks; }
};

// A gate a fake backend waits at until the test opens it.
class Gate {
 public:
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

struct CoreFiles {
  TempDir images;  // <image>/usr for each installed image
  config::Policy policy = config::load_policy(std::filesystem::path(RUNBOX_SOURCE_DIR) / "policies/default.toml");
  config::RuntimeSet runtimes;

  explicit CoreFiles(const std::vector<std::string>& names = {"python3", "c"},
                     const std::vector<std::string>& installed = {"python", "gcc"}) {
    for (const auto& n : names)
      runtimes.add(config::load_runtime_def(std::filesystem::path(RUNBOX_SOURCE_DIR) / "runtimes" / (n + ".toml")));
    for (const auto& i : installed) std::filesystem::create_directories(images.path() / i / "usr");
  }

  // A generation whose versions come from `probe` (default: every probe prints "v1.0").
  std::shared_ptr<const service::Generation> generation(std::optional<service::ProbeOptions> given = {}) const {
    service::ProbeOptions probe;
    if (given) probe = *given;
    else
      probe.native_backend = [] {
        return std::make_unique<FakeBackend>([](const sandbox::Spec&) { return ended(sandbox::Status::ok, "v1.0\n"); });
      };
    auto g = std::make_shared<service::Generation>();
    g->number = 1;
    g->config = config::default_daemon_config();
    service::Tier tier;
    tier.name = "default";
    tier.policy = policy;
    tier.docker_seccomp_json = "{}";
    g->tiers.emplace("default", tier);
    g->catalog = std::make_shared<const service::RuntimeCatalog>(runtimes, images.path(), policy, nullptr, probe);
    return g;
  }
};

// The core with one slot (queue `queue`), runs going to `backend`.
struct Core {
  service::GenerationStore generations;
  service::SlotPool slots;
  service::Metrics metrics;
  FakeEngine engine;
  std::shared_ptr<FakeBackend> backend;
  service::RunService run;

  Core(std::shared_ptr<const service::Generation> g, std::shared_ptr<FakeBackend> b, unsigned slots_n = 1,
       unsigned queue = 8)
      : generations(std::move(g)),
        slots(slots_n, queue),
        backend(std::move(b)),
        run(generations, slots, metrics, engine, [this](const service::RunPlan&) {
          // Runs share the test's backend: a non-owning handle to it.
          struct Handle final : backend::Backend {
            std::shared_ptr<FakeBackend> b;
            std::string name() const override { return b->name(); }
            sandbox::Result run_stage(const sandbox::Spec& s) override { return b->run_stage(s); }
          };
          auto h = std::make_unique<Handle>();
          h->b = backend;
          return h;
        }) {}

  std::variant<service::RunPlan, service::Refusal> plan(api::RunRequest req, service::Caller caller = {}) {
    service::RunRecord record(caller);
    return run.plan(generations.current(), caller, std::move(req), record);
  }

  // Plans and executes req, waiting for the outcome; nullopt when the queue refused it.
  std::optional<service::RunOutcome> execute(api::RunRequest req, int cancel_fd = -1) {
    auto planned = plan(std::move(req));
    auto plan = std::make_shared<const service::RunPlan>(std::get<service::RunPlan>(std::move(planned)));
    std::mutex mu;
    std::condition_variable cv;
    std::optional<service::RunOutcome> out;
    bool finished = false;
    if (!run.execute(plan, cancel_fd, [&](service::RunOutcome o) {
          std::lock_guard lock(mu);
          out = std::move(o);
          finished = true;
          cv.notify_all();
        }))
      return std::nullopt;
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return finished; });
    return out;
  }
};

inline api::RunRequest request(const std::string& runtime, const std::string& code = "print(1)") {
  api::RunRequest r;
  r.runtime = runtime;
  r.files.push_back({"", code});
  return r;
}

}  // namespace runbox::test
