// Each limit status through the API: the request's "limits" reach the sandbox and the outcome
// comes back as the right status, with the flags and measurements that go with it.
#include <catch2/catch.hpp>

#include <cstdio>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "test_env.hpp"

using namespace runbox::test;

namespace {

DaemonProcess& daemon_for_limits() {
  require_images({"python", "gcc", "java"});
  return shared_daemon();
}

// Runs body and returns the run Stage (after checking the answer is a 200 with one).
json::object run_with(const json::object& body) {
  DaemonProcess& d = daemon_for_limits();
  RunReply r = post_run(d.port(), body);
  INFO("request " << json::serialize(body));
  INFO("answer " << r.describe());
  REQUIRE(r.transport_error.empty());
  REQUIRE(r.http.status == 200);
  const auto& o = r.obj();
  if (o.at("compile").is_object()) REQUIRE(o.at("compile").at("status") == "ok");
  REQUIRE(o.at("run").is_object());
  check_stage_shape(o.at("run"));
  return o.at("run").get_object();
}

json::object with_limits(json::object body, json::object limits) {
  body["limits"] = std::move(limits);
  return body;
}

std::string error_message(const RunReply& r) { return as_str(r.obj().at("error").at("message")); }

std::int64_t num(const json::value& v) { return v.is_int64() ? v.get_int64() : static_cast<std::int64_t>(v.get_uint64()); }

}  // namespace

TEST_CASE("a busy loop over cpu_ms ends time_limit", "[limits]") {
  auto body = with_limits(run_body("python3", "while True:\n    pass\n"), {{"cpu_ms", 500}, {"wall_ms", 10000}});
  auto run = run_with(body);
  INFO(json::serialize(run));
  CHECK(run.at("status") == "time_limit");
  CHECK(num(run.at("cpu_ms")) >= 450);
  CHECK(num(run.at("cpu_ms")) < 2000);
  CHECK(num(run.at("wall_ms")) < 5000);
}

TEST_CASE("a sleep over wall_ms ends wall_time_limit", "[limits]") {
  auto body = with_limits(run_body("python3", "import time\ntime.sleep(30)\n"), {{"wall_ms", 500}});
  auto run = run_with(body);
  INFO(json::serialize(run));
  CHECK(run.at("status") == "wall_time_limit");
  CHECK(num(run.at("wall_ms")) >= 450);
  CHECK(num(run.at("wall_ms")) < 3000);
  CHECK(num(run.at("cpu_ms")) < 400);
}

TEST_CASE("allocating 512 MB under memory_mb 128 ends memory_limit", "[limits]") {
  SECTION("python3") {
    auto body = with_limits(run_body("python3", "s = 'x' * (512 * 1024 * 1024)\nprint(len(s))\n"), {{"memory_mb", 128}});
    auto run = run_with(body);
    INFO(json::serialize(run));
    CHECK(run.at("status") == "memory_limit");
    CHECK(as_str(run.at("stdout")) == "");
    CHECK(num(run.at("memory_kb")) > 64 * 1024);
    CHECK(num(run.at("memory_kb")) <= 129 * 1024);
  }
  SECTION("c") {
    auto body = with_limits(run_body("c", R"(#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
  size_t n = 512u << 20;
  /* volatile: gcc -O2 would otherwise drop the allocation it can prove unused */
  volatile char* p = malloc(n);
  if (!p) { puts("malloc failed"); return 1; }
  for (size_t i = 0; i < n; i += 4096) p[i] = 1;
  printf("%d\n", p[n - 4096]);
  return 0;
}
)"),
                            {{"memory_mb", 128}});
    auto run = run_with(body);
    INFO(json::serialize(run));
    CHECK(run.at("status") == "memory_limit");
    CHECK(as_str(run.at("stdout")) == "");
  }
}

TEST_CASE("a Java heap hog ends memory_limit, not OutOfMemoryError", "[limits]") {
  auto body = with_limits(run_body("java", R"(import java.util.ArrayList;
import java.util.Arrays;
public class Main {
  public static void main(String[] args) {
    ArrayList<byte[]> keep = new ArrayList<>();
    for (int i = 0; i < 4096; ++i) {
      byte[] b = new byte[1 << 20];
      Arrays.fill(b, (byte) 1);
      keep.add(b);
    }
    System.out.println(keep.size());
  }
}
)"),
                          {{"memory_mb", 256}});
  auto run = run_with(body);
  INFO(json::serialize(run));
  CHECK(run.at("status") == "memory_limit");
  CHECK_THAT(as_str(run.at("stderr")), !Catch::Contains("OutOfMemoryError"));
}

TEST_CASE("printing 2 MB under output_kb 64 ends output_limit, cut and flagged", "[limits]") {
  SECTION("stdout") {
    auto body = with_limits(run_body("python3", "import sys\nsys.stdout.write('x' * (2 * 1024 * 1024))\n"),
                            {{"output_kb", 64}});
    auto run = run_with(body);
    const auto out = as_str(run.at("stdout"));
    INFO("status " << run.at("status") << ", stdout " << out.size() << " bytes");
    CHECK(run.at("status") == "output_limit");
    CHECK(run.at("stdout_truncated") == true);
    CHECK(run.at("stderr_truncated") == false);
    CHECK(out.size() <= 64 * 1024);
    CHECK(out.size() >= 4 * 1024);
    CHECK(out.find_first_not_of('x') == std::string::npos);
  }
  SECTION("stderr") {
    auto body = with_limits(run_body("python3", "import sys\nsys.stderr.write('e' * (2 * 1024 * 1024))\n"),
                            {{"output_kb", 64}});
    auto run = run_with(body);
    const auto err = as_str(run.at("stderr"));
    INFO("status " << run.at("status") << ", stderr " << err.size() << " bytes");
    CHECK(run.at("status") == "output_limit");
    CHECK(run.at("stderr_truncated") == true);
    CHECK(run.at("stdout_truncated") == false);
    CHECK(err.size() <= 64 * 1024);
  }
  SECTION("under the limit nothing is cut") {
    auto body = with_limits(run_body("python3", "import sys\nsys.stdout.write('y' * 60000)\n"), {{"output_kb", 64}});
    auto run = run_with(body);
    CHECK(run.at("status") == "ok");
    CHECK(run.at("stdout_truncated") == false);
    CHECK(as_str(run.at("stdout")).size() == 60000);
  }
}

TEST_CASE("writing 5 MB under file_size_kb 1024 ends runtime_error", "[limits]") {
  SECTION("c: killed by SIGXFSZ") {
    auto body = with_limits(run_body("c", R"(#include <stdio.h>
#include <string.h>
int main(void) {
  static char chunk[65536];
  memset(chunk, 'z', sizeof chunk);
  FILE* f = fopen("big.bin", "wb");
  if (!f) { perror("fopen"); return 1; }
  for (int i = 0; i < 80; ++i) fwrite(chunk, 1, sizeof chunk, f);
  fclose(f);
  puts("wrote 5 MB");
  return 0;
}
)"),
                            {{"file_size_kb", 1024}});
    auto run = run_with(body);
    INFO(json::serialize(run));
    CHECK(run.at("status") == "runtime_error");
    CHECK(run.at("signal") == "SIGXFSZ");
    CHECK(run.at("exit_code").is_null());
    CHECK(as_str(run.at("stdout")) == "");
  }
  SECTION("python3: ignores SIGXFSZ, so the write fails with EFBIG") {
    auto body = with_limits(
        run_body("python3", "with open('big.bin', 'wb') as f:\n    f.write(b'z' * (5 * 1024 * 1024))\nprint('wrote')\n"),
        {{"file_size_kb", 1024}});
    auto run = run_with(body);
    INFO(json::serialize(run));
    CHECK(run.at("status") == "runtime_error");
    CHECK(run.at("exit_code") == 1);
    CHECK_THAT(as_str(run.at("stderr")), Catch::Contains("File too large"));
  }
}

TEST_CASE("forking past pids 16 fails the forks, not the sandbox", "[limits]") {
  auto body = with_limits(run_body("c", R"(#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  int ok = 0, failed = 0;
  for (int i = 0; i < 64; ++i) {
    pid_t p = fork();
    if (p == 0) { sleep(1); _exit(0); }
    if (p < 0) ++failed; else ++ok;
  }
  while (wait(NULL) > 0) {}
  printf("forked %d, failed %d\n", ok, failed);
  return 0;
}
)"),
                          {{"pids", 16}});
  auto run = run_with(body);
  INFO(json::serialize(run));
  CHECK(run.at("status") != "internal_error");
  CHECK((run.at("status") == "ok" || run.at("status") == "runtime_error"));
  int ok = -1, failed = -1;
  REQUIRE(std::sscanf(as_str(run.at("stdout")).c_str(), "forked %d, failed %d", &ok, &failed) == 2);
  CHECK(ok <= 15);
  CHECK(ok >= 1);
  CHECK(failed >= 49);
}

// One meaning of 0 for every limit and every backend: refused, never "no limit" (Docker reads a
// 0 memory or pids limit as none; the native sandbox answered internal_error for pids 0).
TEST_CASE("a limit of 0 is refused with 422 limit_below_minimum naming the field", "[limits]") {
  DaemonProcess& d = daemon_for_limits();
  for (const char* group : {"limits", "compile_limits"}) {
    for (const char* field : {"cpu_ms", "wall_ms", "memory_mb", "pids", "output_kb", "file_size_kb", "cpus"}) {
      auto body = run_body("c", "int main(void) { return 0; }\n");
      body[group] = json::object{{field, 0}};
      RunReply r = post_run(d.port(), body);
      const std::string path = std::string(group) + "." + field;
      INFO(path << ": " << r.describe());
      check_error(r, 422, "limit_below_minimum");
      CHECK_THAT(error_message(r), Catch::Contains(path) &&
                                       Catch::Contains(std::string("minimum ") + (field == std::string("cpus") ? "0.01" : "1")));
    }
  }
  // cpus under 0.01 core (the kernel's smallest quota) too.
  RunReply tiny = post_run(d.port(), with_limits(run_body("python3", "print(1)\n"), {{"cpus", 0.005}}));
  check_error(tiny, 422, "limit_below_minimum");
  // Above the maximum, in cores.
  RunReply big = post_run(d.port(), with_limits(run_body("python3", "print(1)\n"), {{"cpus", 2.5}}));
  check_error(big, 422, "limit_exceeds_policy");
  CHECK_THAT(error_message(big), Catch::Contains("limits.cpus = 2.5 is above the maximum 2 "));
}

// cpus is CPU bandwidth, not CPU time: 4 busy loops under half a core get half a core. On this
// 2-core host without the limit they would use about 2 x the wall time.
TEST_CASE("cpus 0.5: 4 busy loops for 1.5 s use at most 0.6 x the wall time of CPU", "[limits]") {
  require_image("scripting");  // bash's
  auto body = with_limits(run_body("bash", "for i in 1 2 3 4; do while :; do :; done & done\nsleep 1.5\n"),
                          {{"cpus", 0.5}, {"cpu_ms", 20000}, {"wall_ms", 20000}});
  auto run = run_with(body);
  INFO(json::serialize(run));
  std::printf("daemon: cpus 0.5, 4 busy loops: cpu_ms=%lld wall_ms=%lld\n", static_cast<long long>(num(run.at("cpu_ms"))),
              static_cast<long long>(num(run.at("wall_ms"))));
  CHECK(run.at("status") == "ok");
  CHECK(num(run.at("wall_ms")) >= 1500);
  CHECK(static_cast<double>(num(run.at("cpu_ms"))) <= 0.6 * static_cast<double>(num(run.at("wall_ms"))));
}

TEST_CASE("compile_limits apply to the compile stage", "[limits]") {
  DaemonProcess& d = daemon_for_limits();
  auto body = run_body("c", "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n");
  body["compile_limits"] = json::object{{"cpu_ms", 1}};
  RunReply r = post_run(d.port(), body);
  INFO(r.describe());
  REQUIRE(r.http.status == 200);
  const auto& o = r.obj();
  REQUIRE(o.at("compile").is_object());
  check_stage_shape(o.at("compile"));
  CHECK(o.at("compile").at("status") == "time_limit");
  CHECK(o.at("run").is_null());
  CHECK(o.at("tests").is_null());
}

TEST_CASE("judge mode: a test over its limit gets the status as its verdict; each test has its own CPU budget",
          "[limits]") {
  DaemonProcess& d = daemon_for_limits();
  // Each test burns ~300 ms of CPU: under a 700 ms limit each passes only if the limit is per test.
  auto body = run_body("python3", R"(import sys, time
line = sys.stdin.readline().strip()
start = time.process_time()
while time.process_time() - start < 0.3:
    pass
if line == "loop":
    while True:
        pass
print(line)
)");
  body["limits"] = json::object{{"cpu_ms", 700}};
  body["tests"] = json::array{json::object{{"stdin", "a\n"}, {"expected_stdout", "a\n"}},
                              json::object{{"stdin", "loop\n"}, {"expected_stdout", "loop\n"}},
                              json::object{{"stdin", "c\n"}, {"expected_stdout", "c\n"}}};
  RunReply r = post_run(d.port(), body);
  INFO(r.describe());
  REQUIRE(r.http.status == 200);
  const auto& o = r.obj();
  CHECK(o.at("run").is_null());
  REQUIRE(o.at("tests").is_array());
  const auto& tests = o.at("tests").get_array();
  REQUIRE(tests.size() == 3);
  CHECK(tests[0].at("verdict") == "accepted");
  CHECK(tests[1].at("status") == "time_limit");
  CHECK(tests[1].at("verdict") == "time_limit");
  CHECK(tests[2].at("verdict") == "accepted");
}
