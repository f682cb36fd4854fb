// The gRPC transport (docs/api.md, "gRPC"): runbox.v1.Runner's Run, RunStream and Runtimes
// through the generated C++ stubs, errors as status codes with runbox's code in the details,
// keys and rate limits from the metadata, cancellation, health and reflection — against a
// daemon of this group's own (keys, gRPC on a unix socket).
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <csignal>
#include <chrono>
#include <regex>
#include <thread>

#include "daemon_process.hpp"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "http_client.hpp"
#include "ops_support.hpp"
#include "runbox/v1/runbox.grpc.pb.h"
#include "test_env.hpp"

using namespace runbox::test;
namespace v1 = runbox::v1;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "rb_grpc_frontend_5d1e9a7c3b";
const std::string kSlowKey = "rb_grpc_slow_0a9b8c7d6e";

struct GrpcDaemon {
  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
  std::string address;
  GrpcDaemon() {
    require_images({"python", "gcc"});
    write_keys_file(dir.path() / "keys.toml", {{"frontend", kKey}, {"slow", kSlowKey, "default", 1, 2}});
    write_file(dir.path() / "runboxd.toml", "keys = \"keys.toml\"\n" + images_root_config_line());
    address = "unix:" + (dir.path() / "grpc.sock").string();
    DaemonOptions o;
    o.slots = 2;
    o.config = dir.path() / "runboxd.toml";
    o.extra_args = {"--grpc-listen", address};
    daemon = std::make_unique<DaemonProcess>(o);
  }
};

GrpcDaemon& grpc_daemon() {
  static GrpcDaemon d;
  return d;
}

std::shared_ptr<grpc::Channel> channel() {
  static auto c = grpc::CreateChannel(grpc_daemon().address, grpc::InsecureChannelCredentials());
  return c;
}

std::unique_ptr<v1::Runner::Stub> runner() { return v1::Runner::NewStub(channel()); }

void with_key(grpc::ClientContext& ctx, const std::string& key = kKey, std::chrono::seconds timeout = 60s) {
  ctx.AddMetadata("authorization", "Bearer " + key);
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
}

v1::RunRequest code(const std::string& runtime, const std::string& source) {
  v1::RunRequest r;
  r.set_runtime(runtime);
  r.add_files()->set_content(source);
  return r;
}

// runbox's error code (ErrorInfo.reason) and whether a RetryInfo came, from the status details.
struct Details {
  std::string reason, domain;
  std::map<std::string, std::string> metadata;
  std::optional<std::int64_t> retry_s;
};
Details details_of(const grpc::Status& s) {
  Details d;
  google::rpc::Status st;
  REQUIRE(st.ParseFromString(s.error_details()));
  CHECK(st.code() == static_cast<int>(s.error_code()));
  for (const auto& any : st.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::RetryInfo retry;
    if (any.UnpackTo(&info)) {
      d.reason = info.reason();
      d.domain = info.domain();
      d.metadata = {info.metadata().begin(), info.metadata().end()};
    } else if (any.UnpackTo(&retry)) {
      d.retry_s = retry.retry_delay().seconds();
    }
  }
  return d;
}

}  // namespace

TEST_CASE("grpc: Run python3 hello answers ok with its stdout", "[grpc]") {
  grpc::ClientContext ctx;
  with_key(ctx);
  v1::RunResponse res;
  auto s = runner()->Run(&ctx, code("python3", "print('hello')\n"), &res);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(res.runtime() == "python3");
  CHECK(!res.id().empty());
  CHECK(res.has_run());
  CHECK(!res.has_compile());
  CHECK(res.run().status() == "ok");
  CHECK(res.run().exit_code() == 0);
  CHECK(res.run().stdout() == "hello\n");
  CHECK(res.backend() == "native");
  auto id = ctx.GetServerInitialMetadata().find("x-request-id");
  REQUIRE(id != ctx.GetServerInitialMetadata().end());
  CHECK(std::string(id->second.data(), id->second.size()) == res.id());
}

TEST_CASE("grpc: a C compile error is the compile stage's compile_error, and no run", "[grpc]") {
  grpc::ClientContext ctx;
  with_key(ctx);
  v1::RunResponse res;
  auto s = runner()->Run(&ctx, code("c", "int main( { return 0; }\n"), &res);
  REQUIRE(s.ok());
  REQUIRE(res.has_compile());
  CHECK(res.compile().status() == "compile_error");
  CHECK(!res.compile().stderr().empty());
  CHECK(!res.has_run());
}

TEST_CASE("grpc: tests and compare give each test its verdict", "[grpc]") {
  v1::RunRequest req = code("python3", "a, b = map(int, input().split())\nprint(a + b)\n");
  auto add = [&](const std::string& in, const std::string& want) {
    auto* t = req.add_tests();
    t->set_stdin(in);
    t->set_expected_stdout(want);
  };
  add("1 2\n", "3\n");
  add("2 2\n", "5\n");
  add("3 4\n", "7");  // trim: the newline does not count
  {
    grpc::ClientContext ctx;
    with_key(ctx);
    v1::RunResponse res;
    REQUIRE(runner()->Run(&ctx, req, &res).ok());
    REQUIRE(res.tests_size() == 3);
    CHECK(res.tests(0).verdict() == "accepted");
    CHECK(res.tests(1).verdict() == "wrong_answer");
    CHECK(res.tests(2).verdict() == "accepted");
    CHECK(!res.has_run());
  }
  req.set_compare(v1::COMPARE_EXACT);
  grpc::ClientContext ctx;
  with_key(ctx);
  v1::RunResponse res;
  REQUIRE(runner()->Run(&ctx, req, &res).ok());
  REQUIRE(res.tests_size() == 3);
  CHECK(res.tests(0).verdict() == "accepted");
  CHECK(res.tests(2).verdict() == "wrong_answer");
}

TEST_CASE("grpc: judge features: hidden tests, float compare, a checker, output and strip_control", "[grpc]") {
  v1::RunRequest req = code("python3", "import sys\nx = float(input())\nprint(x / 3)\nsys.stderr.write('\\x1bE')\n");
  auto add = [&](const std::string& in, const std::string& want, bool hidden) {
    auto* t = req.add_tests();
    t->set_stdin(in);
    t->set_expected_stdout(want);
    t->set_hidden(hidden);
  };
  add("1\n", "0.3333334\n", false);
  add("2\n", "0.7\n", true);
  req.set_compare(v1::COMPARE_FLOAT);
  req.mutable_tolerance()->set_abs(1e-6);
  req.mutable_tolerance()->set_rel(0);
  req.set_strip_control(true);
  {
    grpc::ClientContext ctx;
    with_key(ctx);
    v1::RunResponse res;
    REQUIRE(runner()->Run(&ctx, req, &res).ok());
    REQUIRE(res.tests_size() == 2);
    CHECK(res.tests(0).verdict() == "accepted");
    // Both streams, control bytes gone (python writes stderr first: stdout is flushed at exit).
    const std::string& output = res.tests(0).output();
    CHECK(output.size() == res.tests(0).stdout().size() + 1);
    CHECK(output.find("0.3333333333333333\n") != std::string::npos);
    CHECK(output.find('E') != std::string::npos);
    CHECK(res.tests(0).stderr() == "E");
    CHECK(res.tests(1).verdict() == "wrong_answer");
    CHECK(res.tests(1).hidden());
    CHECK(res.tests(1).stdout().empty());
    CHECK(res.tests(1).output().empty());
    CHECK_FALSE(res.cached());
  }
  req.set_compare(v1::COMPARE_CHECKER);
  auto* f = req.mutable_checker()->add_files();
  f->set_content("import sys\nprint('fine')\nsys.exit(0 if open(sys.argv[2]).read().startswith('0.') else 1)\n");
  req.mutable_checker()->set_runtime("python3");
  grpc::ClientContext ctx;
  with_key(ctx);
  v1::RunResponse res;
  REQUIRE(runner()->Run(&ctx, req, &res).ok());
  REQUIRE(res.tests_size() == 2);
  CHECK(res.tests(0).verdict() == "accepted");
  CHECK(res.tests(0).checker_message() == "fine");
  CHECK(res.tests(1).verdict() == "accepted");
  CHECK_FALSE(res.tests(1).has_checker_message());  // hidden
}

TEST_CASE("grpc: stdin and stdout are bytes, binary-safe", "[grpc]") {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  v1::RunRequest req = code("python3", "import sys\nsys.stdout.buffer.write(sys.stdin.buffer.read()[::-1])\n");
  req.set_stdin(bytes);
  grpc::ClientContext ctx;
  with_key(ctx);
  v1::RunResponse res;
  REQUIRE(runner()->Run(&ctx, req, &res).ok());
  CHECK(res.run().status() == "ok");
  CHECK(res.run().stdout() == std::string(bytes.rbegin(), bytes.rend()));
}

TEST_CASE("grpc: Runtimes lists python3 and c with their aliases and versions", "[grpc]") {
  grpc::ClientContext ctx;
  with_key(ctx);
  v1::RuntimesResponse res;
  REQUIRE(runner()->Runtimes(&ctx, {}, &res).ok());
  bool python = false, c = false;
  for (const auto& rt : res.runtimes()) {
    if (rt.name() == "python3") {
      python = true;
      CHECK(rt.has_version());
      CHECK(!rt.compiled());
      CHECK(std::find(rt.aliases().begin(), rt.aliases().end(), "py") != rt.aliases().end());
    }
    if (rt.name() == "c") {
      c = true;
      CHECK(rt.compiled());
    }
  }
  CHECK(python);
  CHECK(c);
}

TEST_CASE("grpc: RunStream tells stage, output as it is written, result, then the response", "[grpc]") {
  grpc::ClientContext ctx;
  with_key(ctx);
  auto reader = runner()->RunStream(
      &ctx, code("python3", "import sys, time\nprint('first', flush=True)\ntime.sleep(0.3)\nprint('second')\n"));
  using Clock = std::chrono::steady_clock;
  std::vector<std::pair<v1::RunEvent, Clock::time_point>> events;
  v1::RunEvent e;
  while (reader->Read(&e)) events.emplace_back(e, Clock::now());
  auto s = reader->Finish();
  INFO(s.error_message());
  REQUIRE(s.ok());
  REQUIRE(events.size() >= 4);
  CHECK(events.front().first.has_stage_started());
  CHECK(events.front().first.stage_started().stage().stage() == v1::STAGE_RUN);
  REQUIRE(events.back().first.has_done());
  CHECK(events.back().first.done().run().stdout() == "first\nsecond\n");
  // Order: started, output..., finished, done.
  std::size_t finished = 0, first_output = 0;
  std::string out;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& ev = events[i].first;
    if (ev.has_output()) {
      CHECK(finished == 0);
      CHECK(ev.output().stream() == v1::STREAM_STDOUT);
      if (!first_output) first_output = i;
      out += ev.output().data();
    }
    if (ev.has_stage_finished()) {
      finished = i;
      CHECK(ev.stage_finished().result().status() == "ok");
    }
  }
  REQUIRE(first_output > 0);
  REQUIRE(finished > first_output);
  CHECK(finished == events.size() - 2);
  CHECK(out == "first\nsecond\n");
  // The first chunk came while the program slept: well before the stage ended.
  CHECK(events[first_output].first.output().data() == "first\n");
  CHECK(events[finished].second - events[first_output].second >= 200ms);
}

TEST_CASE("grpc: errors are status codes with runbox's code in the details", "[grpc]") {
  {
    grpc::ClientContext ctx;
    with_key(ctx);
    v1::RunResponse res;
    auto s = runner()->Run(&ctx, code("algol68", "x"), &res);
    CHECK(s.error_code() == grpc::StatusCode::NOT_FOUND);
    auto d = details_of(s);
    CHECK(d.reason == "unknown_runtime");
    CHECK(d.domain == "runbox");
  }
  {
    grpc::ClientContext ctx;
    with_key(ctx);
    v1::RunRequest req = code("python3", "print(1)\n");
    req.mutable_limits()->set_memory_mb(1u << 30);
    v1::RunResponse res;
    auto s = runner()->Run(&ctx, req, &res);
    CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    auto d = details_of(s);
    CHECK(d.reason == "limit_exceeds_policy");
    CHECK(d.metadata["field"] == "limits.memory_mb");
    CHECK(!d.metadata["maximum"].empty());
  }
  {  // the same checks as the JSON API: a bad file name, a NUL in an argument
    grpc::ClientContext ctx;
    with_key(ctx);
    v1::RunRequest req = code("python3", "print(1)\n");
    req.mutable_files(0)->set_name("../escape.py");
    v1::RunResponse res;
    auto s = runner()->Run(&ctx, req, &res);
    CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(details_of(s).reason == "invalid_request");
    CHECK_THAT(s.error_message(), Catch::Contains("files[0].name"));
  }
  {
    grpc::ClientContext ctx;
    with_key(ctx);
    v1::RunRequest req = code("python3", "print(1)\n");
    req.add_args(std::string("a\0b", 3));
    v1::RunResponse res;
    auto s = runner()->Run(&ctx, req, &res);
    CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(s.error_message(), Catch::Contains("args[0]"));
  }
  {
    grpc::ClientContext ctx;
    with_key(ctx);
    v1::RunRequest req;
    req.set_runtime("python3");
    v1::RunResponse res;
    auto s = runner()->Run(&ctx, req, &res);
    CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  }
}

TEST_CASE("grpc: no key or a wrong key is UNAUTHENTICATED; x-api-key works too", "[grpc]") {
  for (const std::string& key : {std::string(), std::string("wrong")}) {
    grpc::ClientContext ctx;
    if (!key.empty()) ctx.AddMetadata("authorization", "Bearer " + key);
    v1::RunResponse res;
    auto s = runner()->Run(&ctx, code("python3", "print(1)\n"), &res);
    CHECK(s.error_code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK(details_of(s).reason == "unauthorized");
    grpc::ClientContext ctx2;
    if (!key.empty()) ctx2.AddMetadata("x-api-key", key);
    v1::RuntimesResponse rts;
    CHECK(runner()->Runtimes(&ctx2, {}, &rts).error_code() == grpc::StatusCode::UNAUTHENTICATED);
  }
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-api-key", kKey);
  v1::RuntimesResponse rts;
  CHECK(runner()->Runtimes(&ctx, {}, &rts).ok());
}

TEST_CASE("grpc: over the key's rate RESOURCE_EXHAUSTED with retry info", "[grpc]") {
  grpc::Status last;
  for (int i = 0; i < 4 && last.ok(); ++i) {
    grpc::ClientContext ctx;
    with_key(ctx, kSlowKey);
    v1::RuntimesResponse rts;
    last = runner()->Runtimes(&ctx, {}, &rts);
  }
  REQUIRE(last.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  auto d = details_of(last);
  CHECK(d.reason == "rate_limited");
  REQUIRE(d.retry_s);
  CHECK(*d.retry_s >= 1);
}

TEST_CASE("grpc: a client that cancels kills its run, and nothing is left", "[grpc]") {
  DaemonProcess& d = *grpc_daemon().daemon;
  grpc::ClientContext ctx;
  with_key(ctx, kKey, 2s);  // the deadline cancels the call
  v1::RunResponse res;
  const auto start = std::chrono::steady_clock::now();
  auto s = runner()->Run(&ctx, code("python3", "import time\ntime.sleep(30)\n"), &res);
  CHECK(s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  // The run's sandbox is gone within a few seconds, not after 30.
  CHECK(eventually([&] { return d.run_cgroups().empty() && d.children().empty(); }, 5s));
  CHECK(std::chrono::steady_clock::now() - start < 10s);
  CHECK(eventually([&] {
    return d.stderr_log().find("\"status\":\"cancelled\"") != std::string::npos;
  }, 5s));
  // And with an explicit cancel from another thread, on the stream.
  grpc::ClientContext sctx;
  with_key(sctx);
  auto reader = runner()->RunStream(&sctx, code("python3", "import time\nprint('x', flush=True)\ntime.sleep(30)\n"));
  v1::RunEvent e;
  bool output = false;
  while (!output && reader->Read(&e)) output = e.has_output();
  CHECK(output);
  sctx.TryCancel();
  while (reader->Read(&e)) {
  }
  CHECK(reader->Finish().error_code() == grpc::StatusCode::CANCELLED);
  CHECK(eventually([&] { return d.run_cgroups().empty() && d.children().empty(); }, 5s));
}

TEST_CASE("grpc: health says SERVING; reflection lists runbox.v1.Runner", "[grpc]") {
  auto health = grpc::health::v1::Health::NewStub(channel());
  for (const std::string service : {"", "runbox.v1.Runner"}) {
    grpc::ClientContext ctx;  // probes carry no key
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(service);
    grpc::health::v1::HealthCheckResponse res;
    auto s = health->Check(&ctx, req, &res);
    INFO(service << ": " << s.error_message());
    REQUIRE(s.ok());
    CHECK(res.status() == grpc::health::v1::HealthCheckResponse::SERVING);
  }
  auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(channel());
  grpc::ClientContext ctx;
  auto stream = reflection->ServerReflectionInfo(&ctx);
  grpc::reflection::v1alpha::ServerReflectionRequest req;
  req.set_list_services("");
  REQUIRE(stream->Write(req));
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse res;
  REQUIRE(stream->Read(&res));
  std::vector<std::string> names;
  for (const auto& svc : res.list_services_response().service()) names.push_back(svc.name());
  CHECK(std::find(names.begin(), names.end(), "runbox.v1.Runner") != names.end());
  CHECK(std::find(names.begin(), names.end(), "grpc.health.v1.Health") != names.end());
  CHECK(stream->Finish().ok());
}

TEST_CASE("grpc: calls count in /metrics; a SIGHUP reload applies to the next call (a new key)", "[grpc]") {
  GrpcDaemon& g = grpc_daemon();
  auto metrics = http_get(g.daemon->port(), "/metrics");
  REQUIRE(metrics.status == 200);
  CHECK_THAT(metrics.body, Catch::Contains(R"(endpoint="grpc:Run")") && Catch::Contains(R"(endpoint="grpc:RunStream")") &&
                               Catch::Contains(R"(endpoint="grpc:Runtimes")"));
  const std::string late = "rb_grpc_late_77aa66bb55";
  auto runtimes_with = [&](const std::string& key) {
    grpc::ClientContext ctx;
    with_key(ctx, key);
    v1::RuntimesResponse res;
    return runner()->Runtimes(&ctx, {}, &res).error_code();
  };
  CHECK(runtimes_with(late) == grpc::StatusCode::UNAUTHENTICATED);
  write_keys_file(g.dir.path() / "keys.toml",
                  {{"frontend", kKey}, {"slow", kSlowKey, "default", 1, 2}, {"late", late}});
  const auto before = log_events(*g.daemon, "reload").size();
  REQUIRE(::kill(g.daemon->pid(), SIGHUP) == 0);
  REQUIRE(eventually([&] { return log_events(*g.daemon, "reload").size() > before; }, 60s));
  CHECK(runtimes_with(late) == grpc::StatusCode::OK);
}

TEST_CASE("grpc: without keys gRPC is refused on a public address, and serves loopback TCP keyless", "[grpc]") {
  DaemonOptions o;
  o.slots = 1;
  o.extra_args = {"--grpc-listen", "0.0.0.0:0"};
  try {
    DaemonProcess refused(o);
    FAIL("runboxd served gRPC on 0.0.0.0 without keys");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("grpc_listen") && Catch::Contains("--insecure-no-auth"));
  }
  o.extra_args = {"--grpc-listen", "127.0.0.1:0"};
  DaemonProcess d(o);
  std::smatch m;
  const std::string log = d.stderr_log();
  REQUIRE(std::regex_search(log, m, std::regex(R"(gRPC on 127\.0\.0\.1:([0-9]+))")));
  auto stub = v1::Runner::NewStub(grpc::CreateChannel("127.0.0.1:" + m[1].str(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;  // no key: none is configured
  ctx.set_deadline(std::chrono::system_clock::now() + 60s);
  v1::RunResponse res;
  auto s = stub->Run(&ctx, code("python", "print(6 * 7)\n"), &res);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(res.run().stdout() == "42\n");
}

TEST_CASE("grpc: while draining, health says NOT_SERVING and new runs are UNAVAILABLE", "[grpc]") {
  DaemonProcess& d = *grpc_daemon().daemon;
  // A run in flight holds the drain open long enough to look.
  std::thread busy([] {
    grpc::ClientContext ctx;
    with_key(ctx);
    v1::RunResponse res;
    (void)runner()->Run(&ctx, code("python3", "import time\ntime.sleep(3)\n"), &res);
  });
  std::this_thread::sleep_for(1s);
  ::kill(d.pid(), SIGTERM);
  auto health = grpc::health::v1::Health::NewStub(channel());
  const bool not_serving = eventually([&] {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckResponse res;
    auto s = health->Check(&ctx, {}, &res);
    return s.ok() && res.status() == grpc::health::v1::HealthCheckResponse::NOT_SERVING;
  }, 2s);
  CHECK(not_serving);
  grpc::ClientContext ctx;
  with_key(ctx);
  v1::RunResponse res;
  auto s = runner()->Run(&ctx, code("python3", "print(1)\n"), &res);
  CHECK(s.error_code() == grpc::StatusCode::UNAVAILABLE);
  busy.join();
  // The drain ends, the gRPC server shuts down with it, and the daemon exits 0.
  const int status = d.stop(std::chrono::seconds(20));
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
