// Interactive runs over WebSocket (docs/api.md "Interactive runs"): GET /v1/run/ws and Piston's
// /api/v2/connect, played turn by turn with real programs in the real images.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "ops_support.hpp"
#include "test_env.hpp"
#include "ws_client.hpp"

using namespace runbox::test;
using Clock = std::chrono::steady_clock;

namespace {

std::string start(const std::string& runtime, const std::string& code, json::object extra = {}) {
  json::object o{{"type", "start"}, {"runtime", runtime}, {"code", code}};
  for (auto& [k, v] : extra) o[k] = v;
  return json::serialize(o);
}

std::string stdin_msg(const std::string& data) { return json::serialize(json::object{{"type", "stdin"}, {"data", data}}); }

// Reads messages until an output message's accumulated stdout contains `want` (or a result /
// close comes first); returns all stdout seen.
std::string read_until_output(WsClient& ws, const std::string& want, std::vector<json::object>* seen = nullptr) {
  std::string out;
  while (out.find(want) == std::string::npos) {
    auto m = ws.recv();
    if (!m) break;
    json::object o = json::parse(*m).as_object();
    if (seen) seen->push_back(o);
    if (as_str(o.at("type")) == "output" && as_str(o.at("stream")) == "stdout") out += as_str(o.at("data"));
    if (as_str(o.at("type")) == "result") break;
  }
  return out;
}

// Every message up to the close; the result messages among them.
std::vector<json::object> read_to_close(WsClient& ws, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  std::vector<json::object> all;
  while (auto m = ws.recv(timeout)) all.push_back(json::parse(*m).as_object());
  return all;
}

const json::object* last_of(const std::vector<json::object>& msgs, const std::string& type) {
  const json::object* found = nullptr;
  for (const auto& m : msgs)
    if (as_str(m.at("type")) == type) found = &m;
  return found;
}

const char* kGuess = R"PY(
import random
secret = 37
print("guess a number from 1 to 100", flush=True)
tries = 0
while True:
    line = input()
    tries += 1
    n = int(line)
    if n < secret: print("higher", flush=True)
    elif n > secret: print("lower", flush=True)
    else:
        print(f"right in {tries}", flush=True)
        break
)PY";

}  // namespace

TEST_CASE("interactive: a number-guessing program is played turn by turn", "[interactive]") {
  require_images({"python"});
  WsClient ws(shared_daemon().port(), "/v1/run/ws");
  REQUIRE(ws.open());
  ws.send(start("python3", kGuess));
  std::vector<json::object> seen;
  CHECK(read_until_output(ws, "guess a number", &seen).find("guess") != std::string::npos);
  REQUIRE(!seen.empty());
  CHECK(as_str(seen.front().at("type")) == "stage");
  CHECK(as_str(seen.front().at("stage")) == "run");
  // A binary search, each guess sent only after the program's answer to the last.
  int lo = 1, hi = 100, turns = 0;
  std::string verdict;
  while (turns < 10) {
    const int mid = (lo + hi) / 2;
    ws.send(stdin_msg(std::to_string(mid) + "\n"));
    ++turns;
    verdict.clear();
    while (verdict.empty() || verdict.back() != '\n') {
      auto part = read_until_output(ws, "\n");
      if (part.empty()) break;
      verdict += part;
    }
    if (verdict.find("higher") != std::string::npos) lo = mid + 1;
    else if (verdict.find("lower") != std::string::npos) hi = mid - 1;
    else break;
  }
  CHECK(verdict == "right in " + std::to_string(turns) + "\n");
  auto rest = read_to_close(ws);
  const json::object* result = last_of(rest, "result");
  REQUIRE(result);
  CHECK(as_str(result->at("status")) == "ok");
  CHECK(result->at("exit_code").as_int64() == 0);
  CHECK(as_str(result->at("stdout")).find("right in") != std::string::npos);
  CHECK(result->at("idle_input_exceeded").as_bool() == false);
  CHECK(ws.close_code() == 1000);
}

TEST_CASE("interactive: REPLs answer line by line (python code.interact, bash)", "[interactive]") {
  require_images({"python"});
  SECTION("python") {
    WsClient ws(shared_daemon().port(), "/v1/run/ws");
    REQUIRE(ws.open());
    ws.send(start("python3", "import code\ncode.interact(banner='repl', exitmsg='')\n"));
    ws.send(stdin_msg("x = 6 * 7\n"));
    ws.send(stdin_msg("print(x)\n"));
    CHECK(read_until_output(ws, "42\n").find("42\n") != std::string::npos);
    ws.send(stdin_msg("print(x + 1)\n"));
    CHECK(read_until_output(ws, "43\n").find("43\n") != std::string::npos);
    ws.send(json::serialize(json::object{{"type", "stdin_close"}}));
    auto rest = read_to_close(ws);
    const json::object* result = last_of(rest, "result");
    REQUIRE(result);
    CHECK(as_str(result->at("status")) == "ok");
  }
  SECTION("bash") {
    WsClient ws(shared_daemon().port(), "/v1/run/ws");
    REQUIRE(ws.open());
    ws.send(start("bash", "exec bash\n"));
    ws.send(stdin_msg("echo $((6 * 7))\n"));
    CHECK(read_until_output(ws, "42\n").find("42\n") != std::string::npos);
    ws.send(stdin_msg("v=hello; echo \"$v world\"\n"));
    CHECK(read_until_output(ws, "hello world\n").find("hello world\n") != std::string::npos);
    ws.send(stdin_msg("exit 4\n"));
    auto rest = read_to_close(ws);
    const json::object* result = last_of(rest, "result");
    REQUIRE(result);
    CHECK(as_str(result->at("status")) == "runtime_error");
    CHECK(result->at("exit_code").as_int64() == 4);
  }
}

TEST_CASE("interactive: output arrives as the program writes it, not at its end", "[interactive]") {
  require_images({"python"});
  WsClient ws(shared_daemon().port(), "/v1/run/ws");
  REQUIRE(ws.open());
  ws.send(start("python3", "import sys, time\nprint('first', flush=True)\ntime.sleep(0.8)\nprint('second', file=sys.stderr, flush=True)\n"));
  Clock::time_point first_at{}, result_at{};
  std::vector<json::object> all;
  while (auto m = ws.recv()) {
    json::object o = json::parse(*m).as_object();
    if (as_str(o.at("type")) == "output" && as_str(o.at("data")).find("first") != std::string::npos) first_at = Clock::now();
    if (as_str(o.at("type")) == "result") result_at = Clock::now();
    all.push_back(std::move(o));
  }
  REQUIRE(first_at != Clock::time_point{});
  REQUIRE(result_at != Clock::time_point{});
  CHECK(result_at - first_at > std::chrono::milliseconds(500));
  bool stderr_seen = false;
  for (const auto& o : all)
    if (as_str(o.at("type")) == "output" && as_str(o.at("stream")) == "stderr") stderr_seen = as_str(o.at("data")) == "second\n";
  CHECK(stderr_seen);
}

TEST_CASE("interactive: stdin_close gives EOF, signals reach the program", "[interactive]") {
  require_images({"python"});
  SECTION("stdin_close") {
    WsClient ws(shared_daemon().port(), "/v1/run/ws");
    REQUIRE(ws.open());
    ws.send(start("python3", "import sys\ndata = sys.stdin.read()\nprint(len(data), data.count('\\n'))\n"));
    ws.send(stdin_msg("a\nbb\n"));
    ws.send(stdin_msg("ccc\n"));
    ws.send(json::serialize(json::object{{"type", "stdin_close"}}));
    auto all = read_to_close(ws);
    const json::object* result = last_of(all, "result");
    REQUIRE(result);
    CHECK(as_str(result->at("stdout")) == "9 3\n");
  }
  SECTION("SIGINT: Python's KeyboardInterrupt") {
    WsClient ws(shared_daemon().port(), "/v1/run/ws");
    REQUIRE(ws.open());
    ws.send(start("python3", "import time\ntry:\n    print('waiting', flush=True)\n    time.sleep(30)\nexcept KeyboardInterrupt:\n    print('interrupted', flush=True)\n"));
    read_until_output(ws, "waiting");
    ws.send(R"({"type":"signal","signal":"SIGINT"})");
    auto all = read_to_close(ws);
    const json::object* result = last_of(all, "result");
    REQUIRE(result);
    CHECK(as_str(result->at("stdout")) == "waiting\ninterrupted\n");
    CHECK(as_str(result->at("status")) == "ok");
  }
  SECTION("SIGKILL ends the program") {
    WsClient ws(shared_daemon().port(), "/v1/run/ws");
    REQUIRE(ws.open());
    ws.send(start("python3", "import time\nprint('waiting', flush=True)\ntime.sleep(30)\n"));
    read_until_output(ws, "waiting");
    const auto t0 = Clock::now();
    ws.send(R"({"type":"signal","signal":"SIGKILL"})");
    auto all = read_to_close(ws);
    CHECK(Clock::now() - t0 < std::chrono::seconds(5));
    const json::object* result = last_of(all, "result");
    REQUIRE(result);
    CHECK(as_str(result->at("status")) == "runtime_error");
    CHECK(as_str(result->at("signal")) == "SIGKILL");
  }
  SECTION("an unknown signal is a protocol error") {
    WsClient ws(shared_daemon().port(), "/v1/run/ws");
    REQUIRE(ws.open());
    ws.send(start("python3", "import time\ntime.sleep(30)\n"));
    ws.send(R"({"type":"signal","signal":"SIGNOPE"})");
    auto all = read_to_close(ws);
    const json::object* err = last_of(all, "error");
    REQUIRE(err);
    CHECK(as_str(err->at("code")) == "invalid_message");
    CHECK(ws.close_code() == 1008);
  }
}

TEST_CASE("interactive: the idle-input limit ends a run that waits for input", "[interactive]") {
  require_images({"python"});
  WsClient ws(shared_daemon().port(), "/v1/run/ws");
  REQUIRE(ws.open());
  const auto t0 = Clock::now();
  ws.send(start("python3", "print('name?', flush=True)\ninput()\n", {{"idle_input_ms", 700}}));
  auto all = read_to_close(ws);
  CHECK(Clock::now() - t0 < std::chrono::seconds(5));
  const json::object* result = last_of(all, "result");
  REQUIRE(result);
  CHECK(as_str(result->at("status")) == "wall_time_limit");
  CHECK(result->at("idle_input_exceeded").as_bool());
  // Over the configured bound: refused before anything runs.
  WsClient over(shared_daemon().port(), "/v1/run/ws");
  REQUIRE(over.open());
  over.send(start("python3", "input()\n", {{"idle_input_ms", 999999999}}));
  auto refused = read_to_close(over);
  const json::object* err = last_of(refused, "error");
  REQUIRE(err);
  CHECK(as_str(err->at("code")) == "limit_exceeds_policy");
}

TEST_CASE("interactive: closing the socket kills the run and leaves nothing behind", "[interactive]") {
  require_images({"python"});
  auto& d = shared_daemon();
  for (bool clean_close : {true, false}) {
    WsClient ws(d.port(), "/v1/run/ws");
    REQUIRE(ws.open());
    ws.send(start("python3", "import time\nprint('up', flush=True)\ntime.sleep(60)\n"));
    read_until_output(ws, "up");
    CHECK(!d.run_cgroups().empty());
    const auto t0 = Clock::now();
    if (clean_close) ws.close();
    else ws.drop();
    CHECK(eventually([&] { return d.run_cgroups().empty() && d.children().empty(); }, std::chrono::seconds(5)));
    CHECK(Clock::now() - t0 < std::chrono::seconds(5));
  }
  // The daemon serves on.
  auto r = post_run(d.port(), run_body("python3", "print(1)"));
  CHECK(r.http.status == 200);
}

TEST_CASE("interactive: base64 mode is binary-safe both ways", "[interactive]") {
  require_images({"python"});
  WsClient ws(shared_daemon().port(), "/v1/run/ws");
  REQUIRE(ws.open());
  ws.send(start("bash", "head -c 4 | od -An -tx1\nprintf '\\000\\377\\n'\n", {{"encoding", "base64"}}));
  ws.send(json::serialize(json::object{{"type", "stdin"}, {"data", "AP8BAg=="}}));  // 00 ff 01 02
  auto all = read_to_close(ws);
  const json::object* result = last_of(all, "result");
  REQUIRE(result);
  // " 00 ff 01 02\n" then 00 ff 0a
  CHECK(as_str(result->at("stdout")) == "IDAwIGZmIDAxIDAyCgD/Cg==");
  std::string streamed;
  for (const auto& o : all)
    if (as_str(o.at("type")) == "output") streamed += as_str(o.at("data"));
  CHECK(!streamed.empty());
}

TEST_CASE("interactive: a compiled program has its compile stage, then runs", "[interactive]") {
  require_images({"gcc"});
  WsClient ws(shared_daemon().port(), "/v1/run/ws");
  REQUIRE(ws.open());
  ws.send(start("c", "#include <stdio.h>\nint main(void){char b[32];printf(\"ready\\n\");fflush(stdout);"
                     "if(fgets(b,sizeof b,stdin))printf(\"got %s\",b);return 0;}\n"));
  std::vector<json::object> seen;
  read_until_output(ws, "ready", &seen);
  ws.send(stdin_msg("abc\n"));
  auto rest = read_to_close(ws);
  seen.insert(seen.end(), rest.begin(), rest.end());
  std::vector<std::string> order;
  for (const auto& o : seen)
    if (as_str(o.at("type")) != "output") order.push_back(as_str(o.at("type")) + ":" + as_str(o.at("stage")));
  CHECK(order == std::vector<std::string>{"stage:compile", "result:compile", "stage:run", "result:run"});
  const json::object* result = last_of(seen, "result");
  REQUIRE(result);
  CHECK(as_str(result->at("stdout")) == "ready\ngot abc\n");
  // A compile error ends after the compile stage.
  WsClient bad(shared_daemon().port(), "/v1/run/ws");
  REQUIRE(bad.open());
  bad.send(start("c", "int main(void){ return x; }\n"));
  auto msgs = read_to_close(bad);
  const json::object* r = last_of(msgs, "result");
  REQUIRE(r);
  CHECK(as_str(r->at("stage")) == "compile");
  CHECK(as_str(r->at("status")) == "compile_error");
}

TEST_CASE("interactive: a slow reader gets no more than the output cap", "[interactive]") {
  require_images({"python"});
  WsClient ws(shared_daemon().port(), "/v1/run/ws");
  REQUIRE(ws.open());
  ws.send(start("bash", "yes 0123456789abcdef | head -c 50000000\n"));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // not reading meanwhile
  std::size_t streamed = 0;
  std::vector<json::object> all;
  while (auto m = ws.recv()) {
    json::object o = json::parse(*m).as_object();
    if (as_str(o.at("type")) == "output") streamed += as_str(o.at("data")).size();
    if (as_str(o.at("type")) == "result") all.push_back(std::move(o));
  }
  REQUIRE(all.size() == 1);
  CHECK(as_str(all[0].at("status")) == "output_limit");
  CHECK(streamed <= 1024 * 1024);  // the default policy's output_kb per stream
  CHECK(streamed > 0);
}

TEST_CASE("interactive: errors come as an error message and a close code", "[interactive]") {
  require_images({"python"});
  auto& d = shared_daemon();
  auto expect_error = [&](const std::string& first, const std::string& code, int close_code) {
    WsClient ws(d.port(), "/v1/run/ws");
    REQUIRE(ws.open());
    ws.send(first);
    auto all = read_to_close(ws);
    const json::object* err = last_of(all, "error");
    REQUIRE(err);
    CHECK(as_str(err->at("code")) == code);
    CHECK(!as_str(err->at("message")).empty());
    CHECK(ws.close_code() == close_code);
  };
  expect_error(start("cobol-9000", "x"), "unknown_runtime", 1008);
  expect_error(R"({"type":"stdin","data":"x"})", "invalid_request", 1008);
  expect_error("not json", "invalid_json", 1008);
  expect_error(start("python3", "x", {{"limits", json::object{{"memory_mb", 999999}}}}), "limit_exceeds_policy", 1008);
  expect_error(R"({"type":"start","runtime":"python3","code":"x","tests":[{"stdin":"","expected_stdout":""}]})",
               "invalid_request", 1008);
  // Plain HTTP on the WebSocket path: 426; no WebSocket elsewhere: 404.
  auto r = http_get(d.port(), "/v1/run/ws");
  CHECK(r.status == 426);
  WsClient nowhere(d.port(), "/v1/nothing");
  CHECK(nowhere.status() == 404);
}

TEST_CASE("interactive: keys on the upgrade, the session cap, the start timeout", "[interactive]") {
  require_images({"python"});
  TempDir dir;
  write_keys_file(dir.path() / "keys.toml", {{"player", "secret-player-key-0123456789"}});
  write_file(dir.path() / "runboxd.toml", "keys = \"keys.toml\"\n" + images_root_config_line() +
                                              "[interactive]\nmax_sessions = 1\nstart_timeout_ms = 500\n");
  DaemonOptions o;
  o.slots = 2;
  o.config = dir.path() / "runboxd.toml";
  DaemonProcess d(o);
  const std::vector<std::pair<std::string, std::string>> key{{"Authorization", "Bearer secret-player-key-0123456789"}};

  WsClient anonymous(d.port(), "/v1/run/ws");
  CHECK(anonymous.status() == 401);
  WsClient wrong(d.port(), "/v1/run/ws", {{"X-API-Key", "nope"}});
  CHECK(wrong.status() == 401);

  WsClient first(d.port(), "/v1/run/ws", key);
  REQUIRE(first.open());
  first.send(start("python3", "input()\n"));
  auto stage = first.recv();  // {"type":"stage","stage":"run"}: the session holds its slot
  REQUIRE(stage);
  WsClient second(d.port(), "/v1/run/ws", key);
  CHECK(second.status() == 503);
  CHECK(second.refusal_body().find("too_many_sessions") != std::string::npos);
  first.close();
  std::unique_ptr<WsClient> silent_ptr;
  CHECK(eventually([&] {
    silent_ptr = std::make_unique<WsClient>(d.port(), "/v1/run/ws", key);
    return silent_ptr->open();
  }, std::chrono::seconds(5)));
  WsClient& silent = *silent_ptr;
  REQUIRE(silent.open());
  const auto t0 = Clock::now();
  auto all = read_to_close(silent);
  CHECK(Clock::now() - t0 < std::chrono::seconds(3));
  const json::object* err = last_of(all, "error");
  REQUIRE(err);
  CHECK(as_str(err->at("code")) == "start_timeout");
}

// Piston's /api/v2/connect (its api/src/api/v2.js).
TEST_CASE("piston connect: init, runtime, stages, data both ways, exit, 4999", "[interactive]") {
  require_images({"gcc"});
  WsClient ws(shared_daemon().port(), "/api/v2/connect");
  REQUIRE(ws.open());
  ws.send(R"J({"type":"init","language":"c","version":"*","files":[{"content":"#include <stdio.h>\nint main(void){char b[32];printf(\"ready\\n\");fflush(stdout);if(fgets(b,32,stdin))printf(\"got %s\",b);return 3;}"}]})J");
  std::vector<json::object> seen;
  std::string out;
  while (out.find("ready") == std::string::npos) {
    auto m = ws.recv();
    REQUIRE(m);
    seen.push_back(json::parse(*m).as_object());
    if (as_str(seen.back().at("type")) == "data") out += as_str(seen.back().at("data"));
  }
  ws.send(R"({"type":"data","stream":"stdin","data":"xyz\n"})");
  auto rest = read_to_close(ws);
  seen.insert(seen.end(), rest.begin(), rest.end());
  REQUIRE(!seen.empty());
  CHECK(as_str(seen[0].at("type")) == "runtime");
  CHECK(as_str(seen[0].at("language")) == "c");
  std::vector<std::string> order;
  std::string stdout_text;
  for (const auto& o : seen) {
    const std::string t = as_str(o.at("type"));
    if (t == "stage" || t == "exit") order.push_back(t + ":" + as_str(o.at("stage")));
    if (t == "data" && as_str(o.at("stream")) == "stdout") stdout_text += as_str(o.at("data"));
  }
  CHECK(order == std::vector<std::string>{"stage:compile", "exit:compile", "stage:run", "exit:run"});
  CHECK(stdout_text == "ready\ngot xyz\n");
  const json::object* exit = last_of(seen, "exit");
  REQUIRE(exit);
  CHECK(exit->at("code").as_int64() == 3);
  CHECK(exit->at("signal").is_null());
  CHECK(ws.close_code() == 4999);
  CHECK(ws.close_reason() == "Job Completed");
}

TEST_CASE("piston connect: close codes 4000 to 4005", "[interactive]") {
  require_images({"python"});
  auto& d = shared_daemon();
  const std::string init = R"J({"type":"init","language":"python","version":"3","files":[{"content":"import time\nprint('up', flush=True)\ntime.sleep(20)"}]})J";
  auto after_init = [&](const std::string& msg, int code) {
    WsClient ws(d.port(), "/api/v2/connect");
    REQUIRE(ws.open());
    ws.send(init);
    std::string out;
    while (out.find("up") == std::string::npos) {
      auto m = ws.recv();
      if (!m) break;
      json::object o = json::parse(*m).as_object();
      if (as_str(o.at("type")) == "data") out += as_str(o.at("data"));
    }
    ws.send(msg);
    read_to_close(ws);
    CHECK(ws.close_code() == code);
  };
  after_init(init, 4000);
  after_init(R"({"type":"data","stream":"stdout","data":"x"})", 4004);
  after_init(R"({"type":"signal","signal":"SIGWHAT"})", 4005);
  {
    WsClient ws(d.port(), "/api/v2/connect");
    REQUIRE(ws.open());
    const auto t0 = Clock::now();
    read_to_close(ws);
    CHECK(ws.close_code() == 4001);
    CHECK(Clock::now() - t0 < std::chrono::seconds(3));
  }
  {
    WsClient ws(d.port(), "/api/v2/connect");
    REQUIRE(ws.open());
    ws.send(R"({"type":"data","stream":"stdin","data":"x"})");
    read_to_close(ws);
    CHECK(ws.close_code() == 4003);
  }
  {
    WsClient ws(d.port(), "/api/v2/connect");
    REQUIRE(ws.open());
    ws.send(R"({"type":"init","language":"brainfudge","version":"*","files":[{"content":"x"}]})");
    auto all = read_to_close(ws);
    const json::object* err = last_of(all, "error");
    REQUIRE(err);
    CHECK(as_str(err->at("message")) == "brainfudge-* runtime is unknown");
    CHECK(ws.close_code() == 4002);
  }
  {
    WsClient ws(d.port(), "/api/v2/connect");
    REQUIRE(ws.open());
    ws.send(init);
    std::string out;
    while (out.find("up") == std::string::npos) {
      auto m = ws.recv();
      if (!m) break;
      json::object o = json::parse(*m).as_object();
      if (as_str(o.at("type")) == "data") out += as_str(o.at("data"));
    }
    ws.send(R"({"type":"signal","signal":"SIGKILL"})");
    auto all = read_to_close(ws);
    const json::object* exit = last_of(all, "exit");
    REQUIRE(exit);
    CHECK(as_str(exit->at("signal")) == "SIGKILL");
    CHECK(ws.close_code() == 4999);
  }
}
