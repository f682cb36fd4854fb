// What a program sees from inside: its own filesystem, processes, network, identity.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "sandbox_fixture.hpp"
#include "test_env.hpp"

using runbox::sandbox::Status;
using namespace runbox::test;

TEST_CASE("the program runs as an unprivileged uid with no supplementary groups", "[isolation][ids]") {
  auto r = run_probe({"ids"});
  CHECK(r.stdout_data == "uid=65534 euid=65534 gid=65534 egid=65534 groups=0\n");
}

TEST_CASE("every capability is gone, no_new_privs is set and seccomp filters", "[isolation][caps]") {
  auto r = run_in_image({"cat", "/proc/self/status"});
  REQUIRE(r.status == Status::ok);
  for (const char* line : {"CapInh:\t0000000000000000", "CapPrm:\t0000000000000000", "CapEff:\t0000000000000000",
                           "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000", "NoNewPrivs:\t1",
                           "Seccomp:\t2"}) {
    INFO(line);
    CHECK(r.stdout_data.find(line) != std::string::npos);
  }
}

TEST_CASE("a setuid-root binary in the image gives no root", "[isolation][setuid]") {
  require_root();
  TempDir image;  // a minimal image: the static probe, setuid root, and the mount points
  std::filesystem::permissions(image.path(), std::filesystem::perms(0755));
  for (const char* d : {"box", "tmp", "proc", "dev"}) std::filesystem::create_directory(image.path() / d);
  std::filesystem::copy_file(RBPROBE_PATH, image.path() / "rbprobe");
  REQUIRE(::chown((image.path() / "rbprobe").c_str(), 0, 0) == 0);
  REQUIRE(::chmod((image.path() / "rbprobe").c_str(), 04755) == 0);
  auto spec = image_spec({"/rbprobe", "ids"});
  spec.rootfs = image.path();
  auto r = runbox::sandbox::run(spec);
  INFO(r.error);
  CHECK(r.status == Status::ok);
  CHECK(r.stdout_data.find("euid=65534") != std::string::npos);
}

TEST_CASE("the image is read-only: writes to /usr and /etc fail", "[isolation][fs]") {
  for (const char* path : {"/usr/runbox-test", "/etc/passwd", "/etc/runbox-test", "/runbox-test"}) {
    auto r = run_probe({"create", path});
    INFO(path << ": " << r.stdout_data);
    CHECK(r.status == Status::runtime_error);
    bool refused = r.stdout_data.find("errno=30") != std::string::npos ||  // EROFS
                   r.stdout_data.find("errno=13") != std::string::npos;    // EACCES
    CHECK(refused);
  }
}

TEST_CASE("/box and /tmp are writable", "[isolation][fs]") {
  auto r = run_in_image({"sh", "-c", "echo a > /box/f && echo b > /tmp/f && cat /box/f /tmp/f && pwd"});
  CHECK(r.status == Status::ok);
  CHECK(r.stdout_data == "a\nb\n/box\n");
}

TEST_CASE("the host's files are not visible", "[isolation][fs]") {
  require_root();
  TempDir secret_dir;
  write_file(secret_dir.path() / "secret", "host secret");
  ::chmod(secret_dir.path().c_str(), 0755);
  for (std::string path : {(secret_dir.path() / "secret").string(), std::string("/var/lib/runbox/rootfs"),
                           std::string("/work"), std::string("/sys/fs/cgroup")}) {
    auto r = run_probe({"read", path});
    INFO(path << ": " << r.stdout_data);
    CHECK(r.stdout_data.find("errno=2") != std::string::npos);  // ENOENT
  }
}

TEST_CASE("/dev holds only the minimal device set", "[isolation][fs]") {
  auto r = run_in_image({"ls", "/dev"});
  CHECK(r.stdout_data == "fd\nfull\nnull\nrandom\nshm\nstderr\nstdin\nstdout\nurandom\nzero\n");
  auto w = run_in_image({"sh", "-c", "echo x > /dev/null && head -c 4 /dev/urandom | wc -c"});
  CHECK(w.status == Status::ok);
  CHECK(w.stdout_data == "4\n");
}

TEST_CASE("/proc shows only the run's processes", "[isolation][proc]") {
  auto r = run_in_image(
      {"python3", "-c", "import os; print(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()), os.getpid())"});
  INFO(r.stderr_data);
  CHECK(r.stdout_data == "[1, 2] 2\n");  // the sandbox's init and the program
}

TEST_CASE("the network has only loopback and cannot reach the host", "[isolation][net]") {
  require_root();
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(s, 1) == 0);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  auto r = run_probe({"connect", std::to_string(ntohs(a.sin_port))});
  ::close(s);
  INFO(r.stdout_data);
  CHECK(r.stdout_data.find("errno=111") != std::string::npos);  // ECONNREFUSED: nothing listens in here
  auto ifs = run_in_image({"python3", "-c", "import socket; print(socket.if_nameindex())"});
  CHECK(ifs.stdout_data == "[(1, 'lo')]\n");
}

TEST_CASE("the hostname is not the host's", "[isolation][uts]") {
  auto r = run_in_image({"python3", "-c", "import socket; print(socket.gethostname())"});
  CHECK(r.stdout_data == "runbox\n");
}

TEST_CASE("the environment is built from scratch", "[isolation][env]") {
  ::setenv("RUNBOX_TEST_LEAK", "leaked", 1);
  auto spec = image_spec({"env"});
  spec.env = {"EXTRA=1", "LANG=en_US.UTF-8"};
  auto r = runbox::sandbox::run(spec);
  CHECK(r.stdout_data ==
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nHOME=/box\nLANG=en_US.UTF-8\nEXTRA=1\n");
}

TEST_CASE("only fds 0, 1 and 2 are open in the program", "[isolation][fds]") {
  auto r = run_probe({"fds"});
  CHECK(r.stdout_data == "0 1 2 \n");
}

TEST_CASE("kill(-1, SIGKILL) inside leaves the host untouched", "[isolation][signals]") {
  require_root();
  pid_t victim = ::fork();
  if (victim == 0) {  // a host process with the sandbox's uid: the likeliest target
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(1);
    ::pause();
    ::_exit(0);
  }
  auto r = run_probe({"killall"});
  INFO(r.stdout_data);
  // Inside, kill(-1) reaches no one but the sandbox's own init, which ignores it: ESRCH.
  CHECK(r.stdout_data == "rc=-1 errno=3\n");
  CHECK(::kill(victim, 0) == 0);
  int status = 0;
  CHECK(::waitpid(victim, &status, WNOHANG) == 0);  // still running
  ::kill(victim, SIGKILL);
  ::waitpid(victim, &status, 0);
}

TEST_CASE("stdin reaches the program, exit codes and signals are reported", "[isolation][io]") {
  auto echo = run_in_image({"python3", "-c", "print(input()[::-1])"}, {}, "hello\n");
  CHECK(echo.status == Status::ok);
  CHECK(echo.stdout_data == "olleh\n");
  auto big = run_probe({"echo"}, {});
  CHECK(big.status == Status::ok);
  auto segv = run_probe({"segv"});
  CHECK(segv.status == Status::runtime_error);
  CHECK(segv.signal == "SIGSEGV");
  CHECK_FALSE(segv.exit_code.has_value());
  auto abrt = run_probe({"abort"});
  CHECK(abrt.signal == "SIGABRT");
  auto code = run_probe({"exit", "42"});
  CHECK(code.status == Status::runtime_error);
  CHECK(code.exit_code == 42);
  CHECK_FALSE(code.signal.has_value());
}

TEST_CASE("a large stdin is fed whole while output is read", "[isolation][io]") {
  std::string input(3 * 1024 * 1024, 'y');
  runbox::sandbox::Limits l;
  l.output_kb = 4096;
  auto r = run_in_image({"cat"}, l, input);
  CHECK(r.status == Status::ok);
  CHECK(r.stdout_data.size() == input.size());
}
