// The admin job registry: states, errors, progress, the bound on pending jobs, forgetting old
// ones, and a running job asked to stop when the registry goes.
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include "admin/admin_jobs.hpp"

using runbox::admin::AdminJobs;
using runbox::admin::JobControl;
namespace json = boost::json;

namespace {

json::object wait_until_finished(const AdminJobs& jobs, const std::string& id) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    auto job = jobs.get(id);
    REQUIRE(job);
    if (job->at("state") == "succeeded" || job->at("state") == "failed") return *job;
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

TEST_CASE("admin jobs: a job reports progress and its result, a failing one its error") {
  AdminJobs jobs;
  std::promise<void> go;
  auto gate = go.get_future().share();
  const auto id = jobs.submit({{"kind", "test"}}, [gate](JobControl& c) {
    c.phase("working");
    c.progress(100, 2, 1000);
    gate.wait();
    return json::object{{"answer", 42}};
  });
  REQUIRE(id);
  CHECK(id->size() == 16);
  // Running, with what the work reported so far.
  for (int i = 0; i < 1000 && jobs.get(*id)->at("phase") != "working"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto running = *jobs.get(*id);
  CHECK(running.at("state") == "running");
  CHECK(running.at("kind") == "test");
  CHECK(running.at("bytes") == 100);
  CHECK(running.at("entries") == 2);
  CHECK(running.at("total_bytes") == 1000);
  CHECK(running.at("result").is_null());
  CHECK(!running.at("started_at").is_null());
  CHECK(running.at("finished_at").is_null());
  go.set_value();
  const auto done = wait_until_finished(jobs, *id);
  CHECK(done.at("state") == "succeeded");
  CHECK(done.at("result").at("answer") == 42);
  CHECK(done.at("error").is_null());
  CHECK(!done.at("finished_at").is_null());

  const auto bad = jobs.submit({}, [](JobControl&) -> json::object { throw std::runtime_error("no such image"); });
  REQUIRE(bad);
  const auto failed = wait_until_finished(jobs, *bad);
  CHECK(failed.at("state") == "failed");
  CHECK(failed.at("error") == "no such image");
  CHECK(failed.at("result").is_null());
  CHECK(!jobs.get("0000000000000000"));
}

TEST_CASE("admin jobs: at most max_pending queued or running, and the oldest finished are forgotten") {
  AdminJobs jobs(2, 2);
  std::promise<void> go;
  auto gate = go.get_future().share();
  auto blocked = [gate](JobControl&) {
    gate.wait();
    return json::object{};
  };
  const auto a = jobs.submit({}, blocked), b = jobs.submit({}, blocked);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(!jobs.submit({}, blocked));  // two pending already
  CHECK(jobs.get(*b)->at("state") == "queued");
  go.set_value();
  wait_until_finished(jobs, *a);
  wait_until_finished(jobs, *b);
  const auto c = jobs.submit({}, [](JobControl&) { return json::object{}; });
  REQUIRE(c);
  wait_until_finished(jobs, *c);
  CHECK(!jobs.get(*a));  // kept: the last two finished
  CHECK(jobs.get(*b));
  CHECK(jobs.get(*c));
}

TEST_CASE("admin jobs: the registry's end asks the running job to stop and waits for it") {
  std::atomic<bool> saw_stop{false};
  std::atomic<bool> started{false};
  {
    AdminJobs jobs;
    REQUIRE(jobs.submit({}, [&](JobControl& c) {
      started = true;
      while (!c.stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      saw_stop = true;
      return json::object{};
    }));
    while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(saw_stop);
}
