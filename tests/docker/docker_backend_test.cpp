// DockerBackend end to end against the engine: the same statuses the native backend gives, and
// no container left behind by any of them.
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <chrono>
#include <thread>

#include "api/stage_result.hpp"
#include "backend/docker_backend.hpp"
#include "docker_env.hpp"
#include "runbox/sandbox/work_dir.hpp"
#include "test_env.hpp"

using namespace runbox;
using test::docker_spec;

namespace {

// A stage in the API's wire form (api/stage_result.hpp), as the answer shows it.
api::StageResult wire(sandbox::Result r) { return api::stage_result(std::move(r), api::StageKind::run); }

api::StageResult run_python(const std::string& code, sandbox::Spec spec = docker_spec({})) {
  backend::DockerBackend b(test::docker_options(test::python_image()));
  spec.argv = {"python3", "-c", code};
  for (const auto& a : spec.env) (void)a;
  api::StageResult s = wire(b.run_stage(spec));
  INFO("status " << s.status << " stderr: " << s.stderr_data);
  CHECK(test::labelled_containers() == 0);
  return s;
}

}  // namespace

TEST_CASE("docker backend: python3 hello, with the container's settings in force") {
  test::require_engine();
  auto s = run_python(
      "import os, socket\n"
      "print('hello', os.getuid(), os.getgid(), os.getcwd())\n"
      "try:\n  open('/evil', 'w')\nexcept OSError as e:\n  print('rootfs', e.errno)\n"
      "open('/tmp/x', 'w').write('ok'); print('tmp ok')\n"
      "print(sorted(n for _, n in socket.if_nameindex()))\n"
      "print(os.environ['HOME'], os.environ['LANG'])\n");
  REQUIRE(s.status == "ok");
  CHECK(s.exit_code == 0);
  CHECK(s.stdout_data == "hello 65534 65534 /box\nrootfs 30\ntmp ok\n['lo']\n/box C.UTF-8\n");  // EROFS
  CHECK(s.stderr_data.empty());
  CHECK(s.wall_ms > 0);
  CHECK(s.memory_kb > 0);
}

TEST_CASE("docker backend: stdin is fed, args are passed, env is set") {
  test::require_engine();
  auto spec = docker_spec({});
  spec.stdin_data = "abc\ndef";
  spec.env = {"RBTEST=yes"};
  backend::DockerBackend b(test::docker_options(test::python_image()));
  spec.argv = {"python3", "-c", "import sys, os; print(sys.stdin.read().upper(), sys.argv[1:], os.environ['RBTEST'])",
               "one", "two words"};
  auto s = wire(b.run_stage(spec));
  INFO(s.stderr_data);
  CHECK(s.status == "ok");
  CHECK(s.stdout_data == "ABC\nDEF ['one', 'two words'] yes\n");
  CHECK(test::labelled_containers() == 0);
}

TEST_CASE("docker backend: large stdin and both streams") {
  test::require_engine();
  auto spec = docker_spec({});
  spec.stdin_data = std::string(300000, 'q');
  auto s = run_python("import sys; d = sys.stdin.read(); print(len(d)); print('e' * 5, file=sys.stderr)", spec);
  CHECK(s.status == "ok");
  CHECK(s.stdout_data == "300000\n");
  CHECK(s.stderr_data == "eeeee\n");
}

TEST_CASE("docker backend: exit code 3 is runtime_error") {
  test::require_engine();
  auto s = run_python("import sys; print('bye'); sys.exit(3)");
  CHECK(s.status == "runtime_error");
  CHECK(s.exit_code == 3);
  CHECK_FALSE(s.signal);
  CHECK(s.stdout_data == "bye\n");
}

TEST_CASE("docker backend: a crash is reported by signal name") {
  test::require_engine();
  auto s = run_python("import ctypes; ctypes.string_at(0)");
  CHECK(s.status == "runtime_error");
  CHECK(s.signal == "SIGSEGV");
  CHECK_FALSE(s.exit_code);
  auto a = run_python("import os; os.abort()");
  CHECK(a.signal == "SIGABRT");  // docker-init as pid 1: the program has normal signal semantics
}

TEST_CASE("docker backend: CPU time over the limit is time_limit") {
  test::require_engine();
  auto spec = docker_spec({});
  spec.limits.cpu_ms = 500;
  auto s = run_python("while True: pass", spec);
  CHECK(s.status == "time_limit");
  CHECK(s.cpu_ms >= 500);
  CHECK(s.cpu_ms < 1500);
  CHECK(s.signal == "SIGKILL");
}

// NanoCpus is the stage's cpus: 4 busy processes under half a core get half a core (on this
// 2-core host without the limit, about 2 x the wall time).
TEST_CASE("docker backend: cpus 0.5 holds 4 busy processes to at most 0.6 x the wall time of CPU") {
  test::require_engine();
  auto spec = docker_spec({});
  spec.limits.cpu_ms = 20000;
  spec.limits.wall_ms = 20000;
  spec.limits.cpus_milli = 500;
  auto s = run_python(
      "import os, time\n"
      "for i in range(4):\n"
      "    if os.fork() == 0:\n"
      "        while True: pass\n"
      "time.sleep(1.5)\n",
      spec);
  std::printf("docker: cpus 0.5, 4 busy processes: cpu_ms=%llu wall_ms=%llu\n", static_cast<unsigned long long>(s.cpu_ms),
              static_cast<unsigned long long>(s.wall_ms));
  CHECK(s.status == "ok");
  CHECK(s.wall_ms >= 1500);
  CHECK(static_cast<double>(s.cpu_ms) <= 0.6 * static_cast<double>(s.wall_ms));
}

// Docker reads Memory / PidsLimit / NanoCpus 0 as "no limit": the backend refuses instead,
// before any container exists, whatever the layers above let through.
TEST_CASE("docker backend: a limit Docker would read as none (0) is refused, no container created") {
  test::require_engine();
  struct Case {
    std::uint64_t sandbox::Limits::*limit;
    const char* message;
  };
  for (const Case& c : {Case{&sandbox::Limits::memory_mb, "HostConfig.Memory would be 0"},
                        Case{&sandbox::Limits::pids, "HostConfig.PidsLimit would be 0"},
                        Case{&sandbox::Limits::cpus_milli, "HostConfig.NanoCpus would be 0"}}) {
    auto spec = docker_spec({});
    spec.limits.*c.limit = 0;
    auto s = run_python("print('ran')", spec);
    INFO(s.stderr_data);
    CHECK(s.status == "internal_error");
    CHECK_THAT(s.stderr_data, Catch::Contains(c.message) && Catch::Contains("refused"));
    CHECK(s.stdout_data.empty());
  }
}

TEST_CASE("docker backend: sleeping past the wall limit is wall_time_limit") {
  test::require_engine();
  auto spec = docker_spec({});
  spec.limits.wall_ms = 1000;
  auto t0 = std::chrono::steady_clock::now();
  auto s = run_python("import time; time.sleep(30)", spec);
  CHECK(s.status == "wall_time_limit");
  CHECK(s.wall_ms >= 1000);
  CHECK(s.wall_ms < 2000);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(6));
}

TEST_CASE("docker backend: a memory hog is memory_limit") {
  test::require_engine();
  auto spec = docker_spec({});
  spec.limits.memory_mb = 64;
  auto s = run_python("x = bytearray(300 * 1024 * 1024); print(len(x))", spec);
  CHECK(s.status == "memory_limit");
  CHECK(s.stdout_data.empty());
}

TEST_CASE("docker backend: output over the cap is output_limit, truncated at the cap") {
  test::require_engine();
  auto spec = docker_spec({});
  spec.limits.output_kb = 64;
  auto s = run_python("import sys\nwhile True: sys.stdout.write('x' * 65536)", spec);
  CHECK(s.status == "output_limit");
  CHECK(s.stdout_truncated);
  CHECK(s.stdout_data.size() == 64 * 1024);
  CHECK_FALSE(s.stderr_truncated);
}

TEST_CASE("docker backend: a fork bomb stops at the pids limit") {
  test::require_engine();
  auto spec = docker_spec({});
  spec.limits.pids = 16;
  auto s = run_python(
      "import os, time\n"
      "n = 0\n"
      "try:\n"
      "  while n < 1000:\n"
      "    if os.fork() == 0:\n"
      "      time.sleep(30); os._exit(0)\n"
      "    n += 1\n"
      "except OSError as e:\n"
      "  print('refused after', n, e.errno)\n",
      spec);
  CHECK(s.status == "ok");
  CHECK_THAT(s.stdout_data, Catch::StartsWith("refused after ") && Catch::EndsWith(" 11\n"));  // EAGAIN
  int n = std::stoi(s.stdout_data.substr(14));
  CHECK(n < 16);
  CHECK(n > 5);
}

TEST_CASE("docker backend: C compiled in one container runs in the next through the same box") {
  std::string gcc = test::gcc_image();
  test::require_root();
  sandbox::WorkDir box(64, 65534, 65534);
  test::write_file(box.path() / "main.c",
                   "#include <stdio.h>\nint main(int c, char** v) { char n[64]; if (scanf(\"%63s\", n) != 1) return 2;"
                   " printf(\"hi %s %s\\n\", n, c > 1 ? v[1] : \"-\"); return 0; }\n");
  REQUIRE(::chown((box.path() / "main.c").c_str(), 65534, 65534) == 0);
  backend::DockerBackend b(test::docker_options(gcc));
  auto compile = docker_spec({"gcc", "-O2", "-o", "main", "main.c"});
  compile.box_dir = box.path();
  compile.limits.file_size_kb = 64 * 1024;
  compile.limits.cpu_ms = 10000;
  compile.limits.wall_ms = 20000;
  compile.limits.memory_mb = 512;
  auto c = wire(b.run_stage(compile));
  INFO(c.stderr_data);
  REQUIRE(c.status == "ok");
  auto run = docker_spec({"./main", "arg"});
  run.box_dir = box.path();
  run.stdin_data = "world";
  auto r = wire(b.run_stage(run));
  INFO(r.stderr_data);
  CHECK(r.status == "ok");
  CHECK(r.stdout_data == "hi world arg\n");
  CHECK(test::labelled_containers() == 0);
}

TEST_CASE("docker backend: a compile error is a non-zero exit with the compiler's message") {
  std::string gcc = test::gcc_image();
  test::require_root();
  sandbox::WorkDir box(64, 65534, 65534);
  test::write_file(box.path() / "bad.c", "int main() { return nope; }\n");
  backend::DockerBackend b(test::docker_options(gcc));
  auto compile = docker_spec({"gcc", "-o", "bad", "bad.c"});
  compile.box_dir = box.path();
  compile.limits.file_size_kb = 64 * 1024;
  compile.limits.memory_mb = 512;
  auto c = wire(b.run_stage(compile));
  CHECK(c.status == "runtime_error");
  CHECK(c.exit_code == 1);
  CHECK_THAT(c.stderr_data, Catch::Contains("nope"));
}

TEST_CASE("docker backend: without a box_dir /box is a fresh writable tmpfs") {
  test::require_engine();
  auto s = run_python("open('/box/f', 'w').write('x' * 1000); import os; print(os.path.getsize('/box/f'))");
  CHECK(s.status == "ok");
  CHECK(s.stdout_data == "1000\n");
}

TEST_CASE("docker backend: cancel_fd readable kills and removes the container") {
  test::require_engine();
  int efd = ::eventfd(0, EFD_CLOEXEC);
  auto spec = docker_spec({});
  spec.cancel_fd = efd;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    std::uint64_t one = 1;
    (void)::write(efd, &one, sizeof one);
  });
  auto t0 = std::chrono::steady_clock::now();
  auto s = run_python("import time; time.sleep(30)", spec);
  canceller.join();
  ::close(efd);
  CHECK(s.status == "internal_error");
  CHECK_THAT(s.stderr_data, Catch::Contains("cancelled"));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}

TEST_CASE("docker backend: engine problems are internal_error stages, never exceptions") {
  auto spec = docker_spec({"true"});
  SECTION("no engine at the socket") {
    auto o = test::docker_options("runbox/python:latest");
    o.socket_path = "/nonexistent/runbox-test/docker.sock";
    auto r = backend::DockerBackend(o).run_stage(spec);
    CHECK(r.failure.source == sandbox::Failure::Source::engine);  // typed: no message to parse
    CHECK(r.failure.step == "docker");
    auto s = wire(std::move(r));
    CHECK(s.status == "internal_error");
    CHECK_THAT(s.stderr_data, Catch::StartsWith("runbox: docker: Docker engine unreachable at /nonexistent"));
  }
  SECTION("an engine that dies mid-request") {
    test::TempDir dir;
    std::string path = (dir.path() / "docker.sock").string();
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 8) == 0);
    std::thread engine([&] {
      int c = ::accept(fd, nullptr, nullptr);
      char buf[4096];
      (void)::read(c, buf, sizeof buf);
      ::close(c);
      ::close(fd);  // and the engine is gone
    });
    auto o = test::docker_options("runbox/python:latest");
    o.socket_path = path;
    auto s = wire(backend::DockerBackend(o).run_stage(spec));
    engine.join();
    CHECK(s.status == "internal_error");
    CHECK_THAT(s.stderr_data, Catch::StartsWith("runbox: docker: ") && Catch::Contains("closed the connection"));
  }
  SECTION("an image the engine does not have") {
    test::require_engine();
    auto s = wire(backend::DockerBackend(test::docker_options("runbox/no-such-image:never")).run_stage(spec));
    CHECK(s.status == "internal_error");
    CHECK_THAT(s.stderr_data, Catch::Contains("runbox/no-such-image"));
    CHECK(test::labelled_containers() == 0);
  }
  SECTION("a runtime the engine does not have") {
    test::require_engine();
    auto s = wire(backend::DockerBackend(test::docker_options(test::python_image(), "runbox-no-such-runtime")).run_stage(spec));
    CHECK(s.status == "internal_error");
    CHECK_THAT(s.stderr_data, Catch::Contains("the policy asks for runtime runbox-no-such-runtime, which the Docker "
                                              "engine does not have registered"));
  }
  SECTION("no seccomp profile: no run") {
    test::require_engine();
    auto o = test::docker_options(test::python_image());
    o.seccomp_json.clear();
    auto s = wire(backend::DockerBackend(o).run_stage(spec));
    CHECK(s.status == "internal_error");
    CHECK_THAT(s.stderr_data, Catch::Contains("seccomp"));
    o.engine_default_seccomp = true;  // the explicit opt-in: Docker's default profile
    auto d = wire(backend::DockerBackend(o).run_stage(spec));
    INFO(d.stderr_data);
    CHECK(d.status == "ok");
  }
}

TEST_CASE("docker backend: the seccomp profile is in force") {
  test::require_engine();
  // The default policy refuses mount-family calls with EPERM whatever the capabilities.
  auto s = run_python(
      "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
      "r = libc.syscall(165, b'none', b'/tmp', b'tmpfs', 0, None)\nprint(r, ctypes.get_errno())\n"
      "r = libc.syscall(435, None, 0)\nprint(r, ctypes.get_errno())\n");  // clone3
  CHECK(s.status == "ok");
  CHECK(s.stdout_data == "-1 1\n-1 38\n");
}

TEST_CASE("docker backend: AF_VSOCK, personality(ADDR_NO_RANDOMIZE) and unknown syscalls are refused") {
  test::require_engine();
  auto s = run_python(
      "import ctypes, errno, socket\nlibc = ctypes.CDLL(None, use_errno=True)\n"
      "def sock(family):\n"
      "    try:\n        socket.socket(family, socket.SOCK_STREAM).close(); return 0\n"
      "    except OSError as e:\n        return e.errno\n"
      "print('vsock', sock(40), 'inet', sock(socket.AF_INET), 'unix', sock(socket.AF_UNIX))\n"
      "def call(nr, *args):\n"
      "    r = libc.syscall(nr, *[ctypes.c_ulong(a) for a in args]); return 0 if r >= 0 else ctypes.get_errno()\n"
      "print('no_aslr', call(135, 0x0040000), 'query', call(135, 0xffffffff))\n"  // personality
      "print('mseal', call(462, 0, 0, 0), 'open_tree_attr', call(467, 0, 0, 0, 0, 0))\n");
  CHECK(s.status == "ok");
  CHECK(s.stdout_data == "vsock 97 inet 0 unix 0\nno_aslr 1 query 0\nmseal 38 open_tree_attr 38\n");
}

TEST_CASE("docker backend: gVisor (runsc) hello and memory limit") {
  std::string image = test::python_image();
  if (!test::engine_has_runtime("runsc")) test::skip("the engine has no runsc runtime registered");
  backend::DockerBackend b(test::docker_options(image, "runsc"));
  auto spec = docker_spec({"python3", "-c", "import sys; print('hello', sys.stdin.read())"});
  spec.stdin_data = "gvisor";
  auto s = wire(b.run_stage(spec));
  INFO(s.stderr_data);
  CHECK(s.status == "ok");
  CHECK(s.stdout_data == "hello gvisor\n");
  auto hog = docker_spec({"python3", "-c", "x = bytearray(300 * 1024 * 1024); print(len(x))"});
  hog.limits.memory_mb = 64;
  auto m = wire(b.run_stage(hog));
  INFO(m.stderr_data);
  CHECK(m.status == "memory_limit");
  // Processes inside gVisor are bounded by RLIMIT_NPROC, which the Sentry keeps per sandbox.
  auto bomb = docker_spec({"python3", "-c",
                           "import os, time\nn = 0\ntry:\n  while n < 1000:\n    if os.fork() == 0:\n"
                           "      time.sleep(30); os._exit(0)\n    n += 1\nexcept OSError as e:\n  print(n, e.errno)\n"});
  bomb.limits.pids = 16;
  auto f = wire(b.run_stage(bomb));
  INFO(f.stderr_data);
  CHECK(f.status == "ok");
  CHECK(f.stdout_data == "14 11\n");  // 16 less docker-init and python itself
  CHECK(test::labelled_containers() == 0);
}

namespace {

// Empty files in each directory until an error (or 100 000): "dir count ERRNAME" lines.
const char* const kManyFiles =
    "import errno, os, sys\n"
    "for top in sys.argv[1:]:\n"
    "    n, err = 0, 0\n"
    "    try:\n"
    "        for n in range(100000):\n"
    "            os.close(os.open(f'{top}/f{n}', os.O_WRONLY | os.O_CREAT | os.O_EXCL))\n"
    "        n = 100000\n"
    "    except OSError as e:\n"
    "        err = e.errno\n"
    "    print(top, n, errno.errorcode.get(err, err))\n";

}  // namespace

TEST_CASE("docker backend: /tmp, /dev/shm and /box tmpfs end ENOSPC at their inode counts") {
  test::require_engine();
  sandbox::Limits l;
  l.tmp_inodes = 300;
  l.shm_inodes = 200;
  l.box_inodes = 100;
  auto spec = docker_spec({"python3", "-c", kManyFiles, "/tmp", "/dev/shm", "/box"});
  spec.limits = l;
  backend::DockerBackend b(test::docker_options(test::python_image()));
  auto r = wire(b.run_stage(spec));
  INFO(r.stderr_data);
  CHECK(r.status == "ok");
  // Each root takes an inode.
  CHECK(r.stdout_data == "/tmp 299 ENOSPC\n/dev/shm 199 ENOSPC\n/box 99 ENOSPC\n");
  // A bound box keeps the host tmpfs's count.
  sandbox::WorkDir box(16, 65534, 65534, 50);
  auto bound = docker_spec({"python3", "-c", kManyFiles, "/box"});
  bound.limits = l;
  bound.box_dir = box.path();
  auto rb = wire(b.run_stage(bound));
  INFO(rb.stderr_data);
  CHECK(rb.stdout_data == "/box 49 ENOSPC\n");
  CHECK(test::labelled_containers() == 0);
}
