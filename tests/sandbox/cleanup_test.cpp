// Nothing outlives a run: processes, mounts, cgroups, work directories. And a limit that cannot
// be enforced refuses the run.
#include <sys/eventfd.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "cgroup/cgroup.hpp"
#include "sandbox_fixture.hpp"
#include "test_env.hpp"

using runbox::sandbox::Status;
using namespace runbox::test;

TEST_CASE("a daemonized grandchild is dead when the run ends", "[cleanup]") {
  const std::string marker = "918273";
  auto r = run_probe({"daemon", marker});
  INFO(r.error << r.stdout_data);
  CHECK(r.status == Status::ok);
  CHECK(r.stdout_data == "daemonized\n");
  CHECK_FALSE(process_with_marker_exists(marker));
}

TEST_CASE("background children are killed when the main process exits", "[cleanup]") {
  auto r = run_in_image({"sh", "-c", "sleep 727272 & echo started"});
  CHECK(r.status == Status::ok);
  CHECK(r.stdout_data == "started\n");
  CHECK(r.wall_ms < 1000);
  CHECK_FALSE(process_with_marker_exists("727272"));
}

TEST_CASE("200 runs in a row leave no processes, mounts, cgroups or directories", "[cleanup]") {
  require_image("python");
  run_in_image({"true"});  // first run sweeps and creates the parents
  auto before = host_leftovers();
  for (int i = 0; i < 200; ++i) {
    auto r = i % 2 ? run_in_image({"true"}) : run_probe({"exit", "0"});
    REQUIRE(r.status == Status::ok);
  }
  auto after = host_leftovers();
  INFO("before: " << describe(before) << "\nafter:  " << describe(after));
  CHECK(after == before);
}

TEST_CASE("a cancelled run is killed at once and cleaned up", "[cleanup][cancel]") {
  require_image("python");
  auto before = host_leftovers();
  int efd = ::eventfd(0, EFD_CLOEXEC);
  auto spec = image_spec({"sleep", "30"});
  spec.cancel_fd = efd;
  std::thread canceller([efd] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::uint64_t one = 1;
    (void)!::write(efd, &one, sizeof one);
  });
  auto r = runbox::sandbox::run(spec);
  canceller.join();
  ::close(efd);
  CHECK(r.status == Status::internal_error);
  CHECK(r.error == "cancelled");
  CHECK(r.wall_ms < 1000);
  CHECK(host_leftovers() == before);
}

TEST_CASE("a missing rootfs or seccomp policy is a clear internal_error", "[errors]") {
  auto spec = image_spec({"true"});
  spec.rootfs = "/nonexistent/rootfs";
  auto r = runbox::sandbox::run(spec);
  CHECK(r.status == Status::internal_error);
  CHECK(r.error.find("/nonexistent/rootfs") != std::string::npos);
  auto nofilter = image_spec({"true"});
  nofilter.seccomp.reset();
  CHECK(runbox::sandbox::run(nofilter).status == Status::internal_error);
  auto missing = run_in_image({"no-such-program"});
  CHECK(missing.status == Status::internal_error);
  CHECK(missing.error.find("execute the program") != std::string::npos);
}

TEST_CASE("fail closed: a cgroup v2 without delegated controllers refuses the run", "[errors][cgroup]") {
  require_root();
  // This hybrid host's cgroup2 hierarchy has no controllers: exactly a v2 host where memory,
  // pids and cpu were not delegated to runbox.
  if (::access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) != 0)
    skip("no controller-less cgroup2 hierarchy at /sys/fs/cgroup/unified on this host");
  if (read_file("/sys/fs/cgroup/unified/cgroup.controllers").find("memory") != std::string::npos)
    skip("the cgroup2 hierarchy at /sys/fs/cgroup/unified has the memory controller here");
  auto backend = runbox::sandbox::make_cgroup_v2_backend("/sys/fs/cgroup/unified");
  try {
    backend->create("run-0-0-0", {});
    FAIL("create() should have refused");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("memory controller is not available") != std::string::npos);
  }
}
