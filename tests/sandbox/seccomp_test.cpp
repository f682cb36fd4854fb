// Each syscall the default policy refuses, tried from inside a real sandbox.
#include <catch2/catch.hpp>
#include <filesystem>

#include "sandbox_fixture.hpp"
#include "seccomp_files/seccomp_files.hpp"
#include "test_env.hpp"

using runbox::sandbox::Status;
using namespace runbox::test;

TEST_CASE("the default seccomp policy refuses each dangerous syscall with EPERM", "[seccomp]") {
  auto name = GENERATE(as<std::string>{}, "mount", "umount2", "pivot_root", "ptrace", "process_vm_readv",
                       "process_vm_writev", "kexec_load", "kexec_file_load", "init_module", "finit_module",
                       "delete_module", "reboot", "swapon", "swapoff", "bpf", "perf_event_open", "keyctl", "add_key",
                       "request_key", "unshare", "setns", "clone_newuser", "clone_newns", "userfaultfd",
                       "open_by_handle_at", "iopl", "ioperm", "acct", "settimeofday", "clock_settime", "adjtimex",
                       "syslog", "quotactl");
  auto r = run_probe({"syscall", name});
  INFO(name << ": " << r.stdout_data << r.stderr_data);
  CHECK(r.stdout_data.find("errno=1\n") != std::string::npos);  // EPERM
}

TEST_CASE("clone3 answers ENOSYS so libc falls back to a filterable clone", "[seccomp]") {
  auto r = run_probe({"syscall", "clone3"});
  CHECK(r.stdout_data.find("errno=38\n") != std::string::npos);  // ENOSYS
  auto threads = run_in_image({"python3", "-c", "import threading; t = threading.Thread(target=print, args=('t',)); t.start(); t.join()"});
  CHECK(threads.status == Status::ok);
  CHECK(threads.stdout_data == "t\n");
}

TEST_CASE("ordinary syscalls are allowed", "[seccomp]") {
  auto r = run_probe({"syscall", "getpid"});
  CHECK(r.stdout_data == "rc=2 errno=0\n");
}

TEST_CASE("an OCI profile (Docker's default) works as the sandbox's policy", "[seccomp][oci]") {
  const char* profile = "/usr/share/containers/seccomp.json";
  if (!std::filesystem::exists(profile)) skip(std::string(profile) + " is missing (golang-github-containers-common)");
  auto spec = image_spec({"python3", "-c", "print('ok')"});
  spec.seccomp = std::make_shared<runbox::sandbox::SeccompProgram>(
      runbox::sandbox::SeccompProgram::compile(runbox::seccomp_files::load_seccomp_policy(profile)));
  auto r = runbox::sandbox::run(spec);
  INFO(r.error << r.stderr_data);
  CHECK(r.status == Status::ok);
  CHECK(r.stdout_data == "ok\n");
}

// vsock is not network-namespaced (on a VM host it reaches the hypervisor); only the local
// families a loopback-only namespace can use are open.
TEST_CASE("socket: AF_VSOCK and other non-local families answer EAFNOSUPPORT, local ones work", "[seccomp]") {
  auto family = GENERATE(as<std::string>{}, "40" /* AF_VSOCK */, "17" /* AF_PACKET */, "38" /* AF_ALG */,
                         "15" /* AF_KEY */, "31" /* AF_BLUETOOTH */, "0" /* AF_UNSPEC */, "46" /* past AF_MAX */);
  auto r = run_probe({"socket", family});
  INFO("family " << family << ": " << r.stdout_data << r.stderr_data);
  CHECK(r.stdout_data == "rc=-1 errno=97\n");  // EAFNOSUPPORT
}

TEST_CASE("socket: AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK still open", "[seccomp]") {
  auto family = GENERATE(as<std::string>{}, "1", "2", "10", "16");
  auto r = run_probe({"socket", family});
  INFO("family " << family << ": " << r.stdout_data << r.stderr_data);
  CHECK(r.stdout_data.find("errno=0\n") != std::string::npos);
  CHECK(r.stdout_data.rfind("rc=-", 0) == std::string::npos);
}

TEST_CASE("personality: ADDR_NO_RANDOMIZE and READ_IMPLIES_EXEC answer EPERM, the query and PER_LINUX work", "[seccomp]") {
  for (const char* v : {"0x0040000", "0x0400000", "0x0440000"}) {
    auto r = run_probe({"personality", v});
    INFO(v << ": " << r.stdout_data << r.stderr_data);
    CHECK(r.stdout_data == "rc=-1 errno=1\n");  // EPERM
  }
  for (const char* v : {"0xffffffff", "0x0", "0x8", "0x20000", "0x20008"}) {
    auto r = run_probe({"personality", v});
    INFO(v << ": " << r.stdout_data << r.stderr_data);
    CHECK(r.stdout_data.find(" errno=0\n") != std::string::npos);
  }
}

// 462 mseal and 467 open_tree_attr are newer than libseccomp 2.5.4's table (it knows up to 456)
// and exist in this kernel (6.18): unfiltered, mseal(0, 0, 0) succeeds and open_tree_attr
// answers EFAULT/ENOENT. 500 is past every kernel's table (ENOSYS either way).
TEST_CASE("syscall numbers libseccomp does not know answer ENOSYS", "[seccomp]") {
  auto nr = GENERATE(as<std::string>{}, "462", "467", "470", "500", "1000");
  auto r = run_probe({"nr", nr});
  INFO("syscall " << nr << ": " << r.stdout_data << r.stderr_data);
  CHECK(r.stdout_data == "rc=-1 errno=38\n");
}
