// Judge features through the real daemon: hidden tests, the interleaved output, strip_control,
// the float and lines_unordered comparisons, checker programs (given in the request and named
// from the policy's checkers directory), the compile cache, tests on several slots at once and
// the result cache.
#include <catch2/catch.hpp>
#include <algorithm>
#include <set>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "ops_support.hpp"
#include "test_env.hpp"

using namespace runbox::test;
namespace fs = std::filesystem;

namespace {

DaemonProcess& daemon_for_judge() {
  require_images({"python", "gcc", "scripting"});
  return shared_daemon();
}

json::object judge_body(const std::string& runtime, const std::string& code, json::array tests, json::value compare = nullptr) {
  json::object b = run_body(runtime, code);
  b["tests"] = std::move(tests);
  if (!compare.is_null()) b["compare"] = std::move(compare);
  return b;
}

json::object test_case(const std::string& stdin_data, const std::string& expected, bool hidden = false) {
  json::object t{{"stdin", stdin_data}, {"expected_stdout", expected}};
  if (hidden) t["hidden"] = true;
  return t;
}

std::vector<std::string> verdicts(const RunReply& r) {
  std::vector<std::string> out;
  for (const auto& t : r.obj().at("tests").as_array()) out.push_back(as_str(t.at("verdict")));
  return out;
}

// A checker in python (testlib's convention): input, output, answer as files; 0 accepted, 1
// wrong answer. This one accepts any order of the expected numbers.
const char* kSortedChecker = R"(import sys
inp, out, ans = sys.argv[1:4]
got = sorted(open(out).read().split())
want = sorted(open(ans).read().split())
if got == want:
    print("ok", len(got), "numbers")
    sys.exit(0)
print("expected", " ".join(want), "found", " ".join(got))
sys.exit(1)
)";

}  // namespace

TEST_CASE("a hidden test answers its verdict, status and usage without its output", "[judge]") {
  auto& d = daemon_for_judge();
  auto r = post_run(d.port(), judge_body("python3", "import sys\nx = input()\nprint(x)\nsys.stderr.write('secret ' + x)\n",
                                         json::array{test_case("a", "a"), test_case("b", "b", true), test_case("c", "z", true)}));
  INFO(r.describe());
  REQUIRE(r.http.status == 200);
  const auto& tests = r.obj().at("tests").as_array();
  REQUIRE(tests.size() == 3);
  for (const auto& t : tests) check_stage_shape(t);
  CHECK_FALSE(tests[0].as_object().contains("hidden"));
  CHECK(as_str(tests[0].at("stdout")) == "a\n");
  for (int i : {1, 2}) {
    const auto& t = tests[i].as_object();
    CHECK(t.at("hidden") == true);
    CHECK_FALSE(t.contains("stdout"));
    CHECK_FALSE(t.contains("stderr"));
    CHECK_FALSE(t.contains("output"));
    CHECK(as_str(t.at("status")) == "ok");
    CHECK(t.at("exit_code") == 0);
    CHECK(t.at("wall_ms").to_number<double>() > 0);
    CHECK(t.at("memory_kb").to_number<double>() > 0);
  }
  CHECK(verdicts(r) == std::vector<std::string>{"accepted", "accepted", "wrong_answer"});
  CHECK(r.http.body.find("secret b") == std::string::npos);
}

TEST_CASE("every stage has output: stdout and stderr interleaved in arrival order", "[judge]") {
  auto& d = daemon_for_judge();
  // Two pipes: writes closer together than the supervisor's reads may come grouped by stream, so
  // the program pauses between them.
  auto r = post_run(d.port(), run_body("bash", "echo one\nsleep 0.05\necho two >&2\nsleep 0.05\necho three\nsleep 0.05\necho four >&2\n"));
  INFO(r.describe());
  REQUIRE(r.http.status == 200);
  const auto& run = r.obj().at("run");
  check_stage_shape(run);
  CHECK(as_str(run.at("output")) == "one\ntwo\nthree\nfour\n");
  CHECK(as_str(run.at("stdout")) == "one\nthree\n");
  CHECK(as_str(run.at("stderr")) == "two\nfour\n");
  // Compiled: the compile stage has one too (gcc's warning).
  auto c = post_run(d.port(), run_body("c", "int main(void) { int x; return 0 * x; }\n"));
  INFO(c.describe());
  REQUIRE(c.http.status == 200);
  check_stage_shape(c.obj().at("compile"));
  CHECK(c.obj().at("compile").at("output") == c.obj().at("compile").at("stderr"));
}

TEST_CASE("strip_control removes control characters but newline and tab from the output", "[judge]") {
  auto& d = daemon_for_judge();
  const std::string code = "printf 'a\\tb\\033[31mred\\r\\n\\001x\\177y\\302\\233z\\n'; printf 'e\\a\\n' >&2\n";
  auto plain = post_run(d.port(), run_body("bash", code));
  REQUIRE(plain.http.status == 200);
  CHECK(as_str(plain.obj().at("run").at("stdout")).find('\x1b') != std::string::npos);  // off by default
  json::object body = run_body("bash", code);
  body["strip_control"] = true;
  auto r = post_run(d.port(), body);
  INFO(r.describe());
  REQUIRE(r.http.status == 200);
  CHECK(as_str(r.obj().at("run").at("stdout")) == "a\tb[31mred\nxyz\n");
  CHECK(as_str(r.obj().at("run").at("stderr")) == "e\n");
  CHECK(as_str(r.obj().at("run").at("output")) == "a\tb[31mred\nxyz\ne\n");
  body["strip_control"] = "yes";
  check_error(post_run(d.port(), body), 400, "invalid_request");
}

TEST_CASE("compare float accepts numbers within the tolerance, token by token", "[judge]") {
  auto& d = daemon_for_judge();
  const std::string code = "a, b = map(float, input().split())\nprint('x =', a / b)\n";
  json::array tests{test_case("1 3", "x = 0.333333"), test_case("2 3", "x = 0.67"), test_case("1 4", "y = 0.25")};
  auto r = post_run(d.port(), judge_body("python3", code, tests, json::object{{"float", json::object{{"abs", 1e-5}, {"rel", 0}}}}));
  INFO(r.describe());
  REQUIRE(r.http.status == 200);
  CHECK(verdicts(r) == std::vector<std::string>{"accepted", "wrong_answer", "wrong_answer"});
  // A looser relative tolerance accepts 0.67 for 0.666...; "float" alone is 1e-6 both ways.
  auto loose = post_run(d.port(), judge_body("python3", code, tests, json::object{{"float", json::object{{"rel", 0.01}}}}));
  CHECK(verdicts(loose) == std::vector<std::string>{"accepted", "accepted", "wrong_answer"});
  auto strict = post_run(d.port(), judge_body("python3", code, tests, "float"));
  CHECK(verdicts(strict) == std::vector<std::string>{"accepted", "wrong_answer", "wrong_answer"});
  check_error(post_run(d.port(), judge_body("python3", code, tests, json::object{{"float", json::object{{"abs", -1}}}})), 400,
              "invalid_request");
}

TEST_CASE("compare lines_unordered accepts the same lines in any order", "[judge]") {
  auto& d = daemon_for_judge();
  const std::string code = "import sys\nfor w in sorted(sys.stdin.read().split(), reverse=True): print(w)\n";
  auto r = post_run(d.port(), judge_body("python3", code, json::array{test_case("a b c", "a\nb\nc\n"), test_case("a b", "a\nb\nb\n")},
                                         "lines_unordered"));
  INFO(r.describe());
  REQUIRE(r.http.status == 200);
  CHECK(verdicts(r) == std::vector<std::string>{"accepted", "wrong_answer"});
  auto exact = post_run(d.port(), judge_body("python3", code, json::array{test_case("a b c", "a\nb\nc\n")}, "trim"));
  CHECK(verdicts(exact) == std::vector<std::string>{"wrong_answer"});
}

TEST_CASE("a checker program in the request decides each verdict, testlib's way", "[judge]") {
  auto& d = daemon_for_judge();
  // The program prints its input's numbers reversed; the checker accepts any order.
  const std::string program = "#include <stdio.h>\nint main(void){int a,b;if(scanf(\"%d %d\",&a,&b)!=2)return 2;printf(\"%d %d\\n\",b,a);return 0;}\n";
  json::object checker{{"checker", json::object{{"runtime", "python3"}, {"code", kSortedChecker}}}};
  auto r = post_run(d.port(), judge_body("c", program, json::array{test_case("1 2", "1 2"), test_case("3 4", "4 5"), test_case("x", "0")}, checker));
  INFO(r.describe());
  REQUIRE(r.http.status == 200);
  const auto& tests = r.obj().at("tests").as_array();
  CHECK(verdicts(r) == std::vector<std::string>{"accepted", "wrong_answer", "runtime_error"});
  CHECK(as_str(tests[0].at("checker_message")) == "ok 2 numbers");
  CHECK(as_str(tests[1].at("checker_message")) == "expected 4 5 found 3 4");
  CHECK_FALSE(tests[2].as_object().contains("checker_message"));  // the program failed: no check

  SECTION("a checker in a compiled language, with an exit status other than 0 or 1") {
    json::object c_checker{{"checker", json::object{{"runtime", "c"}, {"code", "#include <stdio.h>\nint main(int c,char**v){puts(v[3]);return c==4?3:0;}\n"}}}};
    auto f = post_run(d.port(), judge_body("python3", "print(1)", json::array{test_case("", "1")}, c_checker));
    INFO(f.describe());
    REQUIRE(f.http.status == 200);
    CHECK(verdicts(f) == std::vector<std::string>{"internal_error"});
    const std::string message = as_str(f.obj().at("tests").at(0).at("checker_message"));
    CHECK(message.find("exit status 3") != std::string::npos);
    CHECK(message.find("answer.txt") != std::string::npos);  // argv[3]: the expected output's file
  }
  SECTION("a checker that does not compile: every test says so") {
    json::object broken{{"checker", json::object{{"runtime", "c"}, {"code", "int main( {"}}}};
    auto f = post_run(d.port(), judge_body("python3", "print(1)", json::array{test_case("", "1"), test_case("", "1")}, broken));
    INFO(f.describe());
    REQUIRE(f.http.status == 200);
    for (const auto& t : f.obj().at("tests").as_array()) {
      CHECK(as_str(t.at("verdict")) == "internal_error");
      CHECK(as_str(t.at("stderr")).find("did not compile") != std::string::npos);
    }
  }
  SECTION("refusals") {
    check_error(post_run(d.port(), judge_body("python3", "print(1)", json::array{test_case("", "1")},
                                              json::object{{"checker", json::object{{"runtime", "nope"}, {"code", "x"}}}})),
                404, "unknown_runtime");
    check_error(post_run(d.port(), judge_body("python3", "print(1)", json::array{test_case("", "1")},
                                              json::object{{"checker", json::object{{"name", "wcmp"}}}})),
                404, "unknown_checker");
    check_error(post_run(d.port(), judge_body("python3", "print(1)", json::array{test_case("", "1")},
                                              json::object{{"checker", json::object{{"name", "../x"}}}})),
                400, "invalid_request");
    check_error(post_run(d.port(), judge_body("python3", "print(1)", json::array{test_case("", "1")},
                                              json::object{{"checker", json::object{{"runtime", "c"}}}})),
                400, "invalid_request");
  }
}

TEST_CASE("a resubmitted program's compile comes from the compile cache", "[judge]") {
  auto& d = daemon_for_judge();
  const std::string code = "#include <stdio.h>\nint main(void){int a,b;scanf(\"%d %d\",&a,&b);printf(\"%d\\n\",a+b);}\n/* " +
                           std::to_string(::getpid()) + " */\n";
  json::array tests{test_case("1 2", "3"), test_case("5 5", "10")};
  auto first = post_run(d.port(), judge_body("c", code, tests));
  INFO(first.describe());
  REQUIRE(first.http.status == 200);
  CHECK(first.obj().at("compile").at("cached") == false);
  auto second = post_run(d.port(), judge_body("c", code, tests));
  INFO(second.describe());
  REQUIRE(second.http.status == 200);
  CHECK(second.obj().at("compile").at("cached") == true);
  CHECK(as_str(second.obj().at("compile").at("status")) == "ok");
  CHECK(verdicts(second) == std::vector<std::string>{"accepted", "accepted"});
  CHECK(second.obj().at("cached") == false);  // the result cache is off by default
  // The same program without tests reuses it too; another source or other compile limits do not.
  auto run = post_run(d.port(), [&] { auto b = run_body("c", code); b["stdin"] = "2 2"; return b; }());
  CHECK(run.obj().at("compile").at("cached") == true);
  CHECK(as_str(run.obj().at("run").at("stdout")) == "4\n");
  auto other = post_run(d.port(), judge_body("c", code + "\n", tests));
  CHECK(other.obj().at("compile").at("cached") == false);
  json::object limited = judge_body("c", code, tests);
  limited["compile_limits"] = json::object{{"memory_mb", 300}};
  CHECK(post_run(d.port(), limited).obj().at("compile").at("cached") == false);
  // A failed compile is never kept.
  auto bad = post_run(d.port(), run_body("c", "int main( { /* cache */"));
  auto bad2 = post_run(d.port(), run_body("c", "int main( { /* cache */"));
  CHECK(as_str(bad2.obj().at("compile").at("status")) == "compile_error");
  CHECK(bad2.obj().at("compile").at("cached") == false);
}

TEST_CASE("a judge request's tests run on free slots at once, answers in order", "[judge]") {
  auto& d = daemon_for_judge();
  // Each test prints its index and the times it started and ended (ns, the host's clock: the
  // sandbox shares CLOCK_REALTIME); two slots idle, so some tests must overlap.
  json::array tests;
  for (int i = 0; i < 12; ++i) tests.push_back(json::object{{"stdin", std::to_string(i)}, {"expected_stdout", std::to_string(i)}});
  auto r = post_run(d.port(), judge_body("bash", "read i; s=$(date +%s%N); sleep 0.2; echo $i; echo $s $(date +%s%N) >&2\n", tests));
  INFO(r.describe());
  REQUIRE(r.http.status == 200);
  const auto& out = r.obj().at("tests").as_array();
  REQUIRE(out.size() == 12);
  std::vector<std::pair<long long, long long>> spans;
  for (std::size_t i = 0; i < out.size(); ++i) {
    CHECK(as_str(out[i].at("verdict")) == "accepted");  // in order: test i printed i
    long long a = 0, b = 0;
    std::istringstream(as_str(out[i].at("stderr"))) >> a >> b;
    spans.emplace_back(a, b);
  }
  int overlaps = 0;
  for (std::size_t i = 0; i < spans.size(); ++i)
    for (std::size_t j = i + 1; j < spans.size(); ++j)
      overlaps += spans[i].first < spans[j].second && spans[j].first < spans[i].second;
  CHECK(overlaps >= 3);
}

TEST_CASE("named checkers and the result cache, on a daemon configured for them", "[judge]") {
  require_images({"python", "gcc"});
  TempDir dir;
  const fs::path policies = copy_policies(dir.path());
  std::string policy = read_file(policies / "default.toml");
  const auto at = policy.find("[request]\n");
  REQUIRE(at != std::string::npos);
  policy.insert(at + 10, "checkers_dir = \"checkers\"\n");
  write_file(policies / "default.toml", policy);
  fs::create_directories(policies / "checkers");
  write_file(policies / "checkers" / "sorted.toml", "runtime = \"python3\"\nsource = \"sorted.py\"\n");
  write_file(policies / "checkers" / "sorted.py", kSortedChecker);
  write_file(policies / "checkers" / "broken.toml", "runtime = \"python3\"\nsource = \"../default.toml\"\n");
  write_file(dir.path() / "runboxd.toml", images_root_config_line() + "\n[cache]\nresults = true\n");
  DaemonOptions o;
  o.slots = 2;
  o.policies_dir = policies;
  o.config = dir.path() / "runboxd.toml";
  DaemonProcess d(o);

  const std::string program = "print(*reversed(input().split()))\n";
  auto named = post_run(d.port(), judge_body("python3", program, json::array{test_case("1 2", "1 2"), test_case("1 2", "1 3")},
                                             json::object{{"checker", json::object{{"name", "sorted"}}}}));
  INFO(named.describe());
  REQUIRE(named.http.status == 200);
  CHECK(verdicts(named) == std::vector<std::string>{"accepted", "wrong_answer"});
  check_error(post_run(d.port(), judge_body("python3", program, json::array{test_case("", "")},
                                            json::object{{"checker", json::object{{"name", "missing"}}}})),
              404, "unknown_checker");
  check_error(post_run(d.port(), judge_body("python3", program, json::array{test_case("", "")},
                                            json::object{{"checker", json::object{{"name", "broken"}}}})),
              503, "checker_unavailable");

  // The result cache: the same request twice, the second from the cache.
  json::object body = run_body("python3", "import random\nprint(random.random())\n");
  auto a = post_run(d.port(), body);
  auto b = post_run(d.port(), body);
  INFO(a.describe() << "\n" << b.describe());
  CHECK(a.obj().at("cached") == false);
  CHECK(b.obj().at("cached") == true);
  CHECK(a.obj().at("run").at("stdout") == b.obj().at("run").at("stdout"));
  CHECK(a.obj().at("id") != b.obj().at("id"));
  // Another stdin is another request.
  body["stdin"] = "x";
  CHECK(post_run(d.port(), body).obj().at("cached") == false);
  // A run that hits a limit is never cached.
  json::object slow = run_body("python3", "while True: pass\n");
  slow["limits"] = json::object{{"cpu_ms", 200}};
  auto s1 = post_run(d.port(), slow);
  auto s2 = post_run(d.port(), slow);
  CHECK(as_str(s2.obj().at("run").at("status")) == "time_limit");
  CHECK(s2.obj().at("cached") == false);
}
