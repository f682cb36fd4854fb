// Piston API v2 under /api/v2/ (docs/compat.md): runtimes, execute with Piston's fields, units,
// quirks and errors, version selection — and the real npm piston-client, unmodified.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "test_env.hpp"

using namespace runbox::test;

namespace {

json::value piston_post(const std::string& body, int expect_status, const Headers& headers = {{"Content-Type", "application/json"}}) {
  auto r = http_request(shared_daemon().port(), "POST", "/api/v2/execute", body, headers);
  INFO(r.status << " " << r.body);
  CHECK(r.status == expect_status);
  CHECK(r.header("content-type") == "application/json");
  return json::parse(r.body);
}

std::string message_of(const json::value& v) { return as_str(v.at("message")); }

}  // namespace

TEST_CASE("piston: /api/v2/runtimes lists each runtime with Piston's language name and a SemVer version", "[piston]") {
  require_images({"python", "gcc"});
  auto r = http_get(shared_daemon().port(), "/api/v2/runtimes");
  REQUIRE(r.status == 200);
  auto list = json::parse(r.body).as_array();
  bool python = false, cpp = false;
  for (const auto& e : list) {
    const auto& o = e.as_object();
    CHECK(o.contains("aliases"));
    const std::string version = as_str(o.at("version"));
    CHECK(std::count(version.begin(), version.end(), '.') == 2);
    if (as_str(o.at("language")) == "python") {
      python = true;
      CHECK(version.starts_with("3."));
      CHECK(json::serialize(o.at("aliases")).find("\"python3\"") != std::string::npos);
    }
    if (as_str(o.at("language")) == "c++") {
      cpp = true;
      CHECK(as_str(o.at("runtime")) == "gcc");
    }
  }
  CHECK(python);
  CHECK(cpp);
  auto p = http_get(shared_daemon().port(), "/api/v2/packages");
  REQUIRE(p.status == 200);
  CHECK(p.body.find("\"installed\":true") != std::string::npos);
  CHECK(http_request(shared_daemon().port(), "POST", "/api/v2/packages", R"J({"language":"python","version":"3"})J",
                     {{"Content-Type", "application/json"}}).status == 405);
  auto nf = http_get(shared_daemon().port(), "/api/v2/nothing");
  CHECK(nf.status == 404);
  CHECK(nf.body == R"J({"message":"Not Found"})J");
}

TEST_CASE("piston: execute answers Piston's shape: output interleaved, units, final stdin newline", "[piston]") {
  require_images({"python"});
  auto v = piston_post(R"J({"language":"py","version":"3.x","files":[{"name":"x.py","content":
    "import sys, time\nsys.stdout.write('a'); sys.stdout.flush(); time.sleep(0.2)\nsys.stderr.write('b'); sys.stderr.flush(); time.sleep(0.2)\nprint(repr(sys.stdin.read()), sys.argv[1:])"}],
    "stdin":"in","args":["1","2"]})J", 200);
  const auto& o = v.as_object();
  CHECK(as_str(o.at("language")) == "python");
  CHECK(as_str(o.at("version")).starts_with("3."));
  CHECK_FALSE(o.contains("compile"));
  const auto& run = o.at("run").as_object();
  CHECK(as_str(run.at("stdout")) == "a'in\\n' ['1', '2']\n");
  CHECK(as_str(run.at("stderr")) == "b");
  // In the order it was written (two pipes: writes further apart than the sandbox's reads).
  CHECK(as_str(run.at("output")) == "ab'in\\n' ['1', '2']\n");
  CHECK(run.at("code").as_int64() == 0);
  CHECK(run.at("signal").is_null());
  CHECK(run.at("status").is_null());
  CHECK(run.at("message").is_null());
  CHECK(run.at("memory").as_int64() % 1000 == 0);  // Piston's unit: KB x 1000
  CHECK(run.at("memory").as_int64() > 0);
  CHECK(run.at("wall_time").is_int64());
  CHECK(run.at("cpu_time").is_int64());
}

TEST_CASE("piston: statuses RE, SG, TO, OL and a compile error standing in for the run", "[piston]") {
  require_images({"python", "gcc"});
  auto re = piston_post(R"J({"language":"python","version":"*","files":[{"content":"import sys; sys.exit(3)"}]})J", 200);
  CHECK(as_str(re.at("run").at("status")) == "RE");
  CHECK(re.at("run").at("code").as_int64() == 3);
  auto sg = piston_post(R"J({"language":"python","version":"*","files":[{"content":"import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"}]})J", 200);
  CHECK(as_str(sg.at("run").at("status")) == "SG");
  CHECK(as_str(sg.at("run").at("signal")) == "SIGSEGV");
  auto to = piston_post(R"J({"language":"python","version":"*","run_timeout":500,"files":[{"content":"import time; time.sleep(5)"}]})J", 200);
  CHECK(as_str(to.at("run").at("status")) == "TO");
  CHECK(as_str(to.at("run").at("signal")) == "SIGKILL");
  CHECK(to.at("run").at("code").is_null());
  auto tc = piston_post(R"J({"language":"python","version":"*","run_cpu_time":300,"files":[{"content":"while True: pass"}]})J", 200);
  CHECK(as_str(tc.at("run").at("status")) == "TO");
  auto ol = piston_post(R"J({"language":"python","version":"*","files":[{"content":"print('x' * 5000000)"}]})J", 200);
  CHECK(as_str(ol.at("run").at("status")) == "OL");
  auto ce = piston_post(R"J({"language":"c","version":"*","files":[{"content":"int main( { }"}]})J", 200);
  REQUIRE(ce.as_object().contains("compile"));
  CHECK(as_str(ce.at("compile").at("status")) == "RE");
  CHECK(as_str(ce.at("compile").at("stderr")).find("error") != std::string::npos);
  CHECK(ce.at("run") == ce.at("compile"));  // Piston's quirk
  auto ok = piston_post(R"J({"language":"c","version":"12","files":[{"name":"a.c","content":"#include <stdio.h>\nint main(void){puts(\"OK\");}"}]})J", 200);
  CHECK(ok.at("compile").at("status").is_null());
  CHECK(as_str(ok.at("run").at("stdout")) == "OK\n");
}

TEST_CASE("piston: errors are 400 {message} in Piston's words; limits over the policy are its configured limit", "[piston]") {
  require_images({"python"});
  CHECK(message_of(piston_post(R"J({"version":"*","files":[]})J", 400)) == "language is required as a string");
  CHECK(message_of(piston_post(R"J({"language":"python","files":[]})J", 400)) == "version is required as a string");
  CHECK(message_of(piston_post(R"J({"language":"python","version":"*"})J", 400)) == "files is required as an array");
  CHECK(message_of(piston_post(R"J({"language":"python","version":"*","files":[{}]})J", 400)) ==
        "files[0].content is required as a string");
  CHECK(message_of(piston_post(R"J({"language":"python","version":"*","files":[{"content":"eA==","encoding":"base64"}]})J", 400)) ==
        "files must include at least one utf8 encoded file");
  CHECK(message_of(piston_post(R"J({"language":"python","version":"2.x","files":[{"content":"1"}]})J", 400)) ==
        "python-2.x runtime is unknown");
  CHECK(message_of(piston_post(R"J({"language":"algol68","version":"*","files":[{"content":"1"}]})J", 400)) ==
        "algol68-* runtime is unknown");
  CHECK(message_of(piston_post(R"J({"language":"python","version":"*","run_timeout":"1","files":[{"content":"1"}]})J", 400)) ==
        "If specified, run_timeout must be a number");
  CHECK(message_of(piston_post(R"J({"language":"python","version":"*","run_timeout":-5,"files":[{"content":"1"}]})J", 400)) ==
        "run_timeout must be non-negative");
  CHECK(message_of(piston_post(R"J({"language":"python","version":"*","run_timeout":9999999,"files":[{"content":"1"}]})J", 400)) ==
        "run_timeout cannot exceed the configured limit of 60000");
  CHECK(message_of(piston_post(R"J({"language":"python","version":"*","run_memory_limit":99999999999,"files":[{"content":"1"}]})J", 400))
            .starts_with("run_memory_limit cannot exceed the configured limit of "));
  // 0 and Piston's -1 memory are "the default" (never unlimited).
  auto d = piston_post(R"J({"language":"python","version":"*","run_timeout":0,"run_memory_limit":-1,"files":[{"content":"print(1)"}]})J", 200);
  CHECK(as_str(d.at("run").at("stdout")) == "1\n");
  // A second file beside the main one, base64 and hex encoded.
  auto files = piston_post(R"J({"language":"python","version":"*","files":[{"content":"print(open('d.txt').read() + open('h.txt').read())"},
    {"name":"d.txt","content":"b2s=","encoding":"base64"},{"name":"h.txt","content":"2121","encoding":"hex"}]})J", 200);
  CHECK(as_str(files.at("run").at("stdout")) == "ok!!\n");
}

TEST_CASE("piston: a JSON body sent as text/plain is taken (the npm client's way), unless from a browser page", "[piston]") {
  require_images({"python"});
  const std::string body = R"J({"language":"python","version":"*","files":[{"content":"print(2)"}]})J";
  auto plain = piston_post(body, 200, {{"Content-Type", "text/plain;charset=UTF-8"}});
  CHECK(as_str(plain.at("run").at("stdout")) == "2\n");
  auto none = piston_post(body, 200, {});
  CHECK(as_str(none.at("run").at("stdout")) == "2\n");
}

TEST_CASE("piston client: the unmodified npm piston-client runs python, c, java and a judge-style program", "[piston_client]") {
  require_images({"python", "gcc", "java"});
  const std::filesystem::path dir = std::filesystem::path(RUNBOX_SOURCE_DIR) / "build/npm/piston-client";
  if (!std::filesystem::exists(dir / "node_modules/piston-client/package.json"))
    FAIL("piston-client is not installed in " << dir << " (scripts/lib/npm-deps.sh installs it)");
  const std::string cmd = "cd '" + dir.string() + "' && node check.mjs http://127.0.0.1:" +
                          std::to_string(shared_daemon().port()) + " 2>&1";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int rc = ::pclose(p);
  INFO(out);
  REQUIRE(rc == 0);
  auto v = json::parse(out);
  CHECK(v.at("runtimes").as_array().size() >= 3);
  CHECK(as_str(v.at("python").at("run").at("stdout")) == "OK ['1', '2', '3']\n");  // the client's default args
  CHECK(as_str(v.at("c").at("run").at("stdout")) == "OK\n");
  CHECK(v.at("c").at("compile").at("code").as_int64() == 0);
  CHECK(as_str(v.at("java").at("run").at("stdout")) == "OK 3\n");
  CHECK(as_str(v.at("judge").at("run").at("stdout")) == "42\n");
  CHECK(as_str(v.at("compile_error").at("run").at("status")) == "RE");
  CHECK(as_str(v.at("unknown").at("message")) == "python-2.7.18 runtime is unknown");
}

TEST_CASE("piston: java with a public class of any name, as Piston's own tests write it, in every API", "[piston]") {
  require_images({"java"});
  // Piston's packages/java/15.0.2/test.java, in a file not named after it.
  auto v = piston_post(R"J({"language":"java","version":"17","files":[{"name":"test.java","content":
    "public class HelloWorld {\n  public static void main(String[] args) {\n    System.out.println(\"OK\" + args.length);\n  }\n}\n"}],"args":["x"]})J", 200);
  INFO(json::serialize(v));
  CHECK(v.at("compile").at("status").is_null());
  CHECK(as_str(v.at("run").at("stdout")) == "OK1\n");
  auto body = run_body("java", "import java.util.*;\npublic final class Solution { public static void main(String[] a) { System.out.println(new Scanner(System.in).nextInt() * 2); } }\n");
  body["tests"] = json::array{json::object{{"stdin", "21"}, {"expected_stdout", "42"}}};
  auto r = post_run(shared_daemon().port(), body);
  INFO(r.describe());
  REQUIRE(r.http.status == 200);
  CHECK(r.obj().at("tests").at(0).at("verdict") == "accepted");
  auto plain = post_run(shared_daemon().port(), run_body("java", "class Main { public static void main(String[] a) { System.out.println(7); } }"));
  INFO(plain.describe());
  CHECK(plain.obj().at("run").at("stdout") == "7\n");
}
