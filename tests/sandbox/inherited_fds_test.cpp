// The sandbox child's first step closes every descriptor it inherited from the daemon except its
// own plumbing (child/inherited_fds.cpp). Without it, a file another slot was writing at the
// instant of clone3 stayed open for write in this run's init and made a concurrent execve of
// that file fail with ETXTBSY (bench/soak: 1 judge test in ~5000 with 2 slots).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <set>
#include <thread>
#include <vector>

#include "child/child_steps.hpp"
#include "runbox/sandbox/work_dir.hpp"
#include "sandbox_fixture.hpp"

using namespace runbox::sandbox;
using runbox::sandbox::WorkDir;

TEST_CASE("sandbox child: inherited descriptors are closed, its own plumbing is kept", "[isolation]") {
  // Descriptors the "daemon" has open: a file being written, pipes of another run, a socket.
  std::vector<int> strangers;
  strangers.push_back(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  strangers.push_back(::open("/dev/null", O_WRONLY));  // not even close-on-exec
  int other_run[2];
  REQUIRE(::pipe2(other_run, O_CLOEXEC) == 0);
  strangers.push_back(other_run[0]);
  strangers.push_back(other_run[1]);
  // The child's own: stdin/stdout/stderr pipe ends, error and status pipes, cgroup.procs fds.
  int stdin_p[2], err_p[2], status_p[2], report[2];
  REQUIRE(::pipe2(stdin_p, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(err_p, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(status_p, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(report, O_CLOEXEC) == 0);
  int procs[2] = {::open("/dev/null", O_WRONLY | O_CLOEXEC), ::open("/dev/zero", O_RDONLY | O_CLOEXEC)};
  ChildPlan plan{};
  plan.stdin_fd = stdin_p[0];
  plan.stdout_fd = report[1];  // the child reports what is left open through its "stdout"
  plan.stderr_fd = report[1];
  plan.error_fd = err_p[1];
  plan.status_fd = status_p[1];
  plan.cgroup_procs_fds = procs;
  plan.cgroup_procs_count = 2;

  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    child::close_inherited_fds(plan);
    for (int fd = 3; fd < 1024; ++fd)
      if (::fcntl(fd, F_GETFD) != -1) (void)!::write(report[1], &fd, sizeof fd);
    ::_exit(0);
  }
  ::close(report[1]);
  std::set<int> left;
  int fd = 0;
  while (::read(report[0], &fd, sizeof fd) == sizeof fd) left.insert(fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  const std::set<int> expected = {stdin_p[0], report[1], err_p[1], status_p[1], procs[0], procs[1]};
  CHECK(left == expected);
  for (int s : strangers) {
    INFO("inherited fd " << s);
    CHECK(left.count(s) == 0);
  }
  for (int f : {stdin_p[0], stdin_p[1], err_p[0], err_p[1], status_p[0], status_p[1], report[0], procs[0], procs[1]})
    ::close(f);
  for (int s : strangers) ::close(s);
}

TEST_CASE("sandbox: a program whose file is briefly held open for writing still starts (ETXTBSY is retried)",
          "[isolation]") {
  using namespace runbox::test;
  auto spec = image_spec({"/box/rbprobe", "exit", "0"});
  WorkDir box(16, spec.uid, spec.gid);
  const auto probe = box.path() / "rbprobe";
  std::filesystem::copy_file(RBPROBE_PATH, probe);
  REQUIRE(::chown(probe.c_str(), spec.uid, spec.gid) == 0);
  // Held for writing, as a judge copy in progress in another slot would be, while the run starts.
  int writer = ::open(probe.c_str(), O_WRONLY | O_CLOEXEC);
  REQUIRE(writer >= 0);
  spec.box_dir = box.path();
  auto run = std::async(std::launch::async, [&] { return runbox::sandbox::run(spec); });
  std::this_thread::sleep_for(std::chrono::milliseconds(40));  // the run's set-up takes ~10 ms
  ::close(writer);
  auto r = run.get();
  INFO(to_string(r.status) << " " << r.error);
  CHECK(r.status == Status::ok);  // before: internal_error "execute the program: ETXTBSY"
}
