// Each syscall the default policy refuses, tried from inside a real sandbox.
#include <catch2/catch.hpp>
#include <filesystem>

#include "sandbox_fixture.hpp"
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
      runbox::sandbox::SeccompProgram::compile(runbox::sandbox::load_seccomp_policy(profile)));
  auto r = runbox::sandbox::run(spec);
  INFO(r.error << r.stderr_data);
  CHECK(r.status == Status::ok);
  CHECK(r.stdout_data == "ok\n");
}
