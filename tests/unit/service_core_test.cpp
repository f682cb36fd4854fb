// The service core in-process with a fake backend: planning (limits, maxima, tiers, fallback,
// refusals), execution (compile error, judge mode, cancellation), the slot pool and the runtime
// catalog — no daemon, no sandbox, no engine.
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "api/stage_result.hpp"
#include "config/effective_limits.hpp"
#include "service_fixture.hpp"

using namespace runbox;
using runbox::sandbox::Status;
using test::ended;

namespace {

std::shared_ptr<test::FakeBackend> answering(test::FakeBackend::Answer a) {
  return std::make_shared<test::FakeBackend>(std::move(a));
}

std::shared_ptr<test::FakeBackend> printing(std::string out) {
  return answering([out](const sandbox::Spec&) { return ended(Status::ok, out); });
}

service::Refusal refusal(const std::variant<service::RunPlan, service::Refusal>& v) {
  REQUIRE(std::holds_alternative<service::Refusal>(v));
  return std::get<service::Refusal>(v);
}

config::StageBounds bounds(const test::CoreFiles& f, const char* runtime, config::StageKind stage) {
  return config::stage_bounds(f.policy, *f.runtimes.find(runtime), stage);
}

service::RunPlan plan_of(const std::variant<service::RunPlan, service::Refusal>& v) {
  if (auto* r = std::get_if<service::Refusal>(&v)) FAIL("refused: " << r->status << " " << r->code << " " << r->message);
  return std::get<service::RunPlan>(v);
}

}  // namespace

TEST_CASE("service plan: a runtime by name or alias, its commands and the policy's defaults", "[service][plan]") {
  test::CoreFiles files;
  test::Core core(files.generation(), printing(""));
  const auto p = plan_of(core.plan(test::request("py")));
  CHECK(p.runtime->def.name == "python3");
  CHECK(p.backend.kind == service::BackendKind::native);
  CHECK(p.backend.why == service::BackendReason::runtime);
  CHECK(p.job.run.argv == std::vector<std::string>{"python3", "main.py"});
  CHECK(p.job.run.limits.memory_mb == bounds(files, "python3", config::StageKind::run).defaults.memory_mb);
  CHECK_FALSE(p.job.compile);
  CHECK(p.job.source_file == "main.py");
  CHECK(p.job.output_budget_bytes == sandbox::mib(files.policy.request.max_answer_output_mb));

  const auto c = plan_of(core.plan(test::request("c", "int main(){}")));
  REQUIRE(c.job.compile);
  CHECK_FALSE(c.job.compile->argv.empty());
}

TEST_CASE("service plan: a request's limits within the maxima apply, over or under them are refused 422", "[service][plan]") {
  test::CoreFiles files;
  test::Core core(files.generation(), printing(""));
  auto req = test::request("python3");
  req.limits.memory_mb = 100;
  req.limits.cpu_ms = 500;
  const auto p = plan_of(core.plan(req));
  CHECK(p.job.run.limits.memory_mb == 100);
  CHECK(p.job.run.limits.cpu_ms == 500);

  auto over = test::request("python3");
  over.limits.memory_mb = bounds(files, "python3", config::StageKind::run).maxima.memory_mb + 1;
  const auto r = refusal(core.plan(over));
  CHECK(r.status == 422);
  CHECK(r.code == "limit_exceeds_policy");
  CHECK_THAT(r.message, Catch::Contains("memory_mb"));

  auto zero = test::request("python3");
  zero.limits.pids = 0;
  CHECK(refusal(core.plan(zero)).code == "limit_below_minimum");

  auto compile_over = test::request("c", "int main(){}");
  compile_over.compile_limits.memory_mb = bounds(files, "c", config::StageKind::compile).maxima.memory_mb + 1;
  const auto rc = refusal(core.plan(compile_over));
  CHECK(rc.code == "limit_exceeds_policy");
  CHECK_THAT(rc.message, Catch::Contains("compile_limits"));
}

TEST_CASE("service plan: unknown runtimes 404, a shutdown 503 overloaded", "[service][plan]") {
  test::CoreFiles files;
  test::Core core(files.generation(), printing(""));
  const auto r = refusal(core.plan(test::request("cobol-85")));
  CHECK(r.status == 404);
  CHECK(r.code == "unknown_runtime");
  core.run.start_draining();
  const auto d = refusal(core.plan(test::request("python3")));
  CHECK(d.status == 503);
  CHECK(d.code == "overloaded");
  CHECK_FALSE(core.run.ready());
}

TEST_CASE("service plan: a runtime the native sandbox cannot run falls back to docker only when the policy says", "[service][plan]") {
  test::CoreFiles files({"python3", "c"}, {"python"});  // the gcc image is missing
  SECTION("no fallback: 503 runtime_unavailable naming the cause") {
    test::Core core(files.generation(), printing(""));
    const auto r = refusal(core.plan(test::request("c")));
    CHECK(r.status == 503);
    CHECK(r.code == "runtime_unavailable");
    CHECK_THAT(r.message, Catch::Contains("is not installed"));
    CHECK(core.run.ready());  // python3 can still run
  }
  SECTION("fallback = docker: docker, or 503 while the engine is down") {
    files.policy.backend.fallback_to_docker = true;
    test::Core core(files.generation(), printing(""));
    const auto p = plan_of(core.plan(test::request("c")));
    CHECK(p.backend.docker());
    CHECK(p.backend.reason() == "fallback");
    core.engine.down = "Docker engine unreachable";
    const auto r = refusal(core.plan(test::request("c")));
    CHECK(r.code == "runtime_unavailable");
    CHECK_THAT(r.message, Catch::Contains("docker backend, which is unavailable: Docker engine unreachable"));
    CHECK(plan_of(core.plan(test::request("python3"))).backend.kind == service::BackendKind::native);
  }
}

TEST_CASE("service plan: a tier's policy forces its backend and OCI runtime", "[service][plan]") {
  test::CoreFiles files;
  files.policy.backend.force = "docker";
  files.policy.backend.docker_runtime = "runsc";
  test::Core core(files.generation(), printing(""));
  // The fake engine has no runsc: refused with the engine's reason.
  const auto r = refusal(core.plan(test::request("python3")));
  CHECK(r.code == "runtime_unavailable");
  CHECK_THAT(r.message, Catch::Contains("runsc"));
  CHECK_FALSE(core.run.ready());
  files.policy.backend.docker_runtime = "";
  test::Core plain(files.generation(), printing(""));
  const auto p = plan_of(plain.plan(test::request("python3")));
  CHECK(p.backend.docker());
  CHECK(p.backend.why == service::BackendReason::policy);
}

TEST_CASE("service execute: a run on a slot gets the slot's uid, the request's stdin and args", "[service][execute]") {
  test::CoreFiles files;
  test::Core core(files.generation(), answering([](const sandbox::Spec& s) { return ended(Status::ok, s.stdin_data); }));
  auto req = test::request("python3");
  req.stdin_data = "hello";
  req.args = {"-x"};
  auto out = core.execute(req);
  REQUIRE(out);
  REQUIRE(out->job.run);
  CHECK(out->job.run->status == Status::ok);
  CHECK(out->job.run->stdout_data == "hello");
  CHECK(out->job.stages_run == 1);
  CHECK(service::run_status(out->job) == "ok");
  auto specs = core.backend->specs();
  REQUIRE(specs.size() == 1);
  CHECK(specs[0].uid == files.policy.uid_first);  // slot 0
  CHECK(specs[0].argv.back() == "-x");
}

TEST_CASE("service execute: a compile error stops the job before any run", "[service][execute]") {
  test::CoreFiles files;
  test::Core core(files.generation(), answering([](const sandbox::Spec&) {
    auto r = ended(Status::runtime_error, "", 1);
    r.stderr_data = "main.c:1: error";
    return r;
  }));
  auto out = core.execute(test::request("c", "int main({}"));
  REQUIRE(out);
  REQUIRE(out->job.compile);
  CHECK(out->job.compile_failed());
  CHECK_FALSE(out->job.run);
  CHECK(out->job.stages_run == 1);
  CHECK(service::run_status(out->job) == "compile_error");
  CHECK(api::stage_result(std::move(*out->job.compile), api::StageKind::compile).status == "compile_error");
}

TEST_CASE("service execute: judge mode runs each test in its own stage and compares", "[service][execute]") {
  test::CoreFiles files;
  test::Core core(files.generation(), answering([](const sandbox::Spec& s) { return ended(Status::ok, s.stdin_data); }));
  auto req = test::request("python3");
  req.tests = std::vector<api::TestCase>{{"3", "3", {}}, {"4", "5", {}}};
  auto out = core.execute(req);
  REQUIRE(out);
  REQUIRE(out->job.tests);
  REQUIRE(out->job.tests->size() == 2);
  CHECK((*out->job.tests)[0].output_matched);
  CHECK_FALSE((*out->job.tests)[1].output_matched);
  CHECK(api::verdict_name((*out->job.tests)[1].result, false) == "wrong_answer");
  CHECK(out->job.stages_run == 2);
  CHECK(service::run_status(out->job) == "judged");
}

TEST_CASE("service execute: a cancelled run starts no further stage, and cancel_all_runs reaches a running one", "[service][execute]") {
  test::CoreFiles files;
  SECTION("cancelled before it starts") {
    test::Core core(files.generation(), printing("x"));
    int efd = ::eventfd(1, EFD_CLOEXEC);  // already readable
    auto req = test::request("python3");
    req.tests = std::vector<api::TestCase>{{"", "x", {}}, {"", "x", {}}};
    auto out = core.execute(req, efd);
    ::close(efd);
    REQUIRE(out);
    CHECK(out->job.cancelled);
    CHECK(out->job.stages_run == 0);
    CHECK(core.backend->specs().empty());
    CHECK((*out->job.tests)[0].result.failure.source == sandbox::Failure::Source::cancelled);
    CHECK(service::run_status(out->job) == "cancelled");
  }
  SECTION("a drain that gives up cancels what runs") {
    std::atomic<bool> started{false};
    test::Core core(files.generation(), answering([&](const sandbox::Spec& s) {
      started = true;
      // As a backend does: waits for the program, or for the cancel fd.
      pollfd p{s.cancel_fd, POLLIN, 0};
      if (::poll(&p, 1, 10000) == 1) {
        auto r = ended(Status::internal_error, "", std::nullopt);
        r.error = "cancelled";
        r.failure = {sandbox::Failure::Source::cancelled, "cancelled", 0};
        return r;
      }
      return ended(Status::ok);
    }));
    int efd = ::eventfd(0, EFD_CLOEXEC);
    std::thread drain([&] {
      while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      core.run.cancel_all_runs();
    });
    const auto t0 = std::chrono::steady_clock::now();
    auto out = core.execute(test::request("python3"), efd);
    drain.join();
    ::close(efd);
    REQUIRE(out);
    CHECK(out->job.cancelled);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  }
}

TEST_CASE("service execute: an engine failure makes the core ask the engine again at once", "[service][execute]") {
  test::CoreFiles files;
  test::Core core(files.generation(), answering([](const sandbox::Spec&) {
    auto r = ended(Status::internal_error, "", std::nullopt);
    r.error = "docker: Docker engine unreachable";
    r.failure = {sandbox::Failure::Source::engine, "docker", 0};
    return r;
  }));
  auto out = core.execute(test::request("python3"));
  REQUIRE(out);
  CHECK(core.engine.checks == 1);
  CHECK(api::failure_cause(out->job.run->failure) == "docker");
  CHECK(api::stage_result(std::move(*out->job.run), api::StageKind::run).stderr_data ==
        "runbox: docker: Docker engine unreachable");
}

TEST_CASE("service slots: beyond the queue a run is refused at once, queued runs go first come, first served", "[service][slots]") {
  test::CoreFiles files;
  test::Gate gate;
  std::mutex mu;
  std::vector<std::string> order;
  test::Core core(files.generation(), answering([&](const sandbox::Spec& s) {
    gate.wait();
    std::lock_guard lock(mu);
    order.push_back(s.stdin_data);
    return ended(Status::ok);
  }), /*slots=*/1, /*queue=*/2);
  std::vector<std::thread> clients;
  std::atomic<int> refused{0}, ran{0};
  auto submit = [&](const std::string& name) {
    auto req = test::request("python3");
    req.stdin_data = name;
    auto planned = core.plan(req);
    auto plan = std::make_shared<const service::RunPlan>(std::get<service::RunPlan>(std::move(planned)));
    if (!core.run.execute(plan, -1, [&](service::RunOutcome) { ++ran; })) ++refused;
  };
  submit("a");  // on the slot, waiting at the gate
  while (core.slots.busy() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  submit("b");
  submit("c");  // the queue (2) is full now
  submit("d");
  CHECK(refused == 1);
  CHECK(core.slots.queued() == 2);
  CHECK(service::RunService::overloaded().code == "overloaded");
  gate.open();
  while (ran < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::lock_guard lock(mu);
  CHECK(order == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("service catalog: versions are probed through the backend, a missing image or a failing probe is the runtime's error", "[service][catalog]") {
  test::CoreFiles files({"python3", "c"}, {"python"});
  service::ProbeOptions probe;
  // Probes run on worker threads: what they saw is checked here, after.
  auto silent = std::make_shared<test::FakeBackend>([](const sandbox::Spec&) { return ended(Status::ok, "", 0); });
  probe.native_backend = [silent] {
    struct Shared final : backend::Backend {
      std::shared_ptr<test::FakeBackend> b;
      std::string name() const override { return "native"; }
      sandbox::Result run_stage(const sandbox::Spec& s) override { return b->run_stage(s); }
    };
    auto h = std::make_unique<Shared>();
    h->b = silent;
    return h;
  };
  auto with_stderr = files.generation(probe);  // prints nothing: an error
  CHECK(with_stderr->catalog->find("python3")->error == "version command printed nothing");
  auto seen = silent->specs();
  REQUIRE(seen.size() == 1);  // the c image is missing: nothing to probe natively
  CHECK(seen[0].argv == std::vector<std::string>{"python3", "--version"});
  CHECK(seen[0].limits.cpu_ms >= 10000);  // a probe gets time to start a JVM
  CHECK(seen[0].uid == files.policy.uid_first + 1);  // past the one slot's uid

  probe.native_backend = [] {
    return std::make_unique<test::FakeBackend>([](const sandbox::Spec&) {
      auto r = ended(Status::ok, "\n");
      r.stderr_data = "Python 3.11.2\n";
      return r;
    });
  };
  std::mutex images_mu;
  std::vector<std::string> docker_images;
  probe.docker_backend = [&](const std::string& image) -> std::unique_ptr<backend::Backend> {
    std::lock_guard lock(images_mu);
    docker_images.push_back(image);
    return std::make_unique<test::FakeBackend>([](const sandbox::Spec&) { return ended(Status::ok, "gcc 12.2.0\n"); },
                                               "docker");
  };
  auto g = files.generation(probe);
  const auto* py = g->catalog->find("py");
  REQUIRE(py);
  CHECK(py->version == "Python 3.11.2");
  CHECK(py->ready());
  const auto* c = g->catalog->find("c");
  REQUIRE(c);
  CHECK_FALSE(c->ready());
  CHECK_THAT(*c->error, Catch::Contains("is not installed"));
  CHECK(c->version == "gcc 12.2.0");  // as the docker backend sees it
  CHECK(docker_images == std::vector<std::string>{"runbox/gcc:latest"});
  CHECK(g->catalog->ready_count() == 1);
  CHECK_FALSE(g->catalog->sandbox_error());
}

TEST_CASE("service catalog: when every probe fails in the sandbox's own set-up, the sandbox is what is broken", "[service][catalog]") {
  test::CoreFiles files;
  service::ProbeOptions probe;
  probe.native_backend = [] {
    return std::make_unique<test::FakeBackend>([](const sandbox::Spec&) {
      auto r = ended(Status::internal_error, "", std::nullopt);
      r.error = "sandbox setup failed: pivot_root: EPERM";
      r.failure = {sandbox::Failure::Source::setup, "pivot_root", 1};
      return r;
    });
  };
  auto g = files.generation(probe);
  REQUIRE(g->catalog->sandbox_error());
  CHECK_THAT(*g->catalog->sandbox_error(), Catch::Contains("pivot_root"));
  test::Core core(g, printing(""));
  CHECK_FALSE(core.run.ready());
  const auto r = refusal(core.plan(test::request("python3")));
  CHECK(r.code == "runtime_unavailable");
}
