// The Judge0 CE facade on the real daemon: wait, token polling, batches, base64, fields,
// expected_output verdicts, each status id runbox produces, per-key tokens, callbacks, a restart
// with queued tokens, expiry and the bound on stored submissions.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "ops_support.hpp"

using namespace runbox::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string kAlice = "rb_alice_0c5e7a91d3b24f68";
const std::string kBob = "rb_bob_7f2d4b6e9a1c3e58";

std::string b64(const std::string& s) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    unsigned v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8 | (unsigned char)s[i + 2];
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == s.size()) {
    unsigned v = (unsigned char)s[i] << 16;
    out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == s.size()) {
    unsigned v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8;
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

// A daemon of its own with the facade on, keys alice and bob, the store in its directory.
struct Judge0Daemon {
  TempDir dir;
  std::string config;
  std::unique_ptr<DaemonProcess> daemon;
  explicit Judge0Daemon(const std::string& judge0_keys = "") {
    require_images({"python", "gcc"});
    write_keys_file(dir.path() / "keys.toml", {{"alice", kAlice}, {"bob", kBob}});
    config = "keys = \"keys.toml\"\n" + images_root_config_line() +
             "\n[judge0]\nenabled = true\nstore = \"judge0.sqlite\"\ncallback_hosts = [\"127.0.0.1\"]\n" + judge0_keys;
    write_file(dir.path() / "runboxd.toml", config);
    start();
  }
  void start() {
    DaemonOptions o;
    o.slots = 2;
    o.config = dir.path() / "runboxd.toml";
    daemon = std::make_unique<DaemonProcess>(o);
  }
  std::uint16_t port() const { return daemon->port(); }
};

Judge0Daemon& shared() {
  static Judge0Daemon d;
  return d;
}

struct Reply {
  HttpResponse http;
  json::value body;
};

Reply call(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body = "",
           const std::string& key = kAlice) {
  Reply r;
  r.http = http_request(port, method, "/judge0" + target, body, {{"X-Auth-Token", "x"}, {"X-API-Key", key}, {"Content-Type", "application/json"}});
  boost::system::error_code ec;
  r.body = json::parse(r.http.body, ec);
  return r;
}

json::object submit_wait(const json::object& body, const std::string& query = "") {
  auto r = call(shared().port(), "POST", "/submissions?wait=true" + query, json::serialize(body));
  INFO(r.http.status << " " << r.http.body);
  REQUIRE(r.http.status == 201);
  return r.body.as_object();
}

std::int64_t status_id(const json::object& o) { return o.at("status").at("id").as_int64(); }

// Polls GET /submissions/{token} until the status is final; every status seen on the way.
json::object poll(std::uint16_t port, const std::string& token, std::vector<std::int64_t>* seen = nullptr,
                  const std::string& key = kAlice) {
  for (int i = 0; i < 600; ++i) {
    auto r = call(port, "GET", "/submissions/" + token + "?fields=*,runbox_status", "", key);
    REQUIRE(r.http.status == 200);
    const auto id = status_id(r.body.as_object());
    if (seen && (seen->empty() || seen->back() != id)) seen->push_back(id);
    if (id >= 3) return r.body.as_object();
    std::this_thread::sleep_for(50ms);
  }
  FAIL("submission " << token << " never finished");
  return {};
}

// One HTTP request received on a loopback port: the callback's PUT.
class CallbackReceiver {
 public:
  CallbackReceiver() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 4) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    received_ = std::async(std::launch::async, [this] { return receive(); });
  }
  ~CallbackReceiver() { ::shutdown(fd_, SHUT_RDWR), ::close(fd_); }
  std::uint16_t port() const { return port_; }
  std::string request(std::chrono::seconds timeout) {
    if (received_.wait_for(timeout) != std::future_status::ready) return "";
    return received_.get();
  }

 private:
  std::string receive() {
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return "";
    std::string data;
    char buf[4096];
    for (;;) {
      auto head_end = data.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        auto cl = data.find("Content-Length: ");
        std::size_t length = cl == std::string::npos ? 0 : std::stoul(data.substr(cl + 16));
        if (data.size() >= head_end + 4 + length) break;
      }
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      data.append(buf, static_cast<std::size_t>(n));
    }
    const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    (void)!::write(c, ok.data(), ok.size());
    ::close(c);
    return data;
  }
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::future<std::string> received_;
};

const std::string kSegv = "int main(void){volatile int *p = 0; return *p;}";

}  // namespace

TEST_CASE("judge0: languages, statuses, about, version", "[judge0]") {
  auto port = shared().port();
  auto langs = call(port, "GET", "/languages");
  REQUIRE(langs.http.status == 200);
  bool python = false, c = false;
  for (const auto& l : langs.body.as_array()) {
    if (l.at("id") == 71) python = std::string(l.at("name").as_string()).rfind("Python (3.", 0) == 0;
    if (l.at("id") == 50) c = std::string(l.at("name").as_string()).rfind("C (GCC ", 0) == 0;
  }
  CHECK(python);
  CHECK(c);
  auto one = call(port, "GET", "/languages/50");
  REQUIRE(one.http.status == 200);
  CHECK(one.body.at("source_file") == "main.c");
  CHECK(one.body.at("is_archived") == false);
  CHECK(call(port, "GET", "/languages/9999").http.status == 404);
  auto statuses = call(port, "GET", "/statuses");
  REQUIRE(statuses.body.as_array().size() == 14);
  CHECK(statuses.body.at(2) == json::parse(R"J({"id":3,"description":"Accepted"})J"));
  CHECK(call(port, "GET", "/about").body.at("version") == "1.13.1");
  CHECK(call(port, "GET", "/version").http.body == "1.13.1");
  // Authenticated like /v1/run: no key, no answer.
  CHECK(http_request(port, "GET", "/judge0/languages").status == 401);
}

TEST_CASE("judge0: redirect_stderr_to_stdout puts stderr into stdout in the order written, judged with it", "[judge0]") {
  const std::string code =
      "import sys, time\nprint('a', flush=True); time.sleep(0.2)\nprint('b', file=sys.stderr, flush=True); time.sleep(0.2)\n"
      "print('c', flush=True)\n";
  auto merged = submit_wait({{"source_code", code}, {"language_id", 71}, {"redirect_stderr_to_stdout", true},
                             {"expected_output", "a\nb\nc\n"}});
  CHECK(merged.at("stdout") == "a\nb\nc\n");
  CHECK(merged.at("stderr").is_null());
  CHECK(status_id(merged) == 3);
  auto apart = submit_wait({{"source_code", code}, {"language_id", 71}});
  CHECK(apart.at("stdout") == "a\nc\n");
  CHECK(apart.at("stderr") == "b\n");
}

TEST_CASE("judge0: wait=true with expected_output: Accepted and Wrong Answer, Judge0's default fields", "[judge0]") {
  auto ok = submit_wait({{"source_code", "print(input()[::-1])"}, {"language_id", 71}, {"stdin", "olleh"},
                         {"expected_output", "hello  \n\n"}});
  CHECK(status_id(ok) == 3);
  CHECK(ok.at("status").at("description") == "Accepted");
  CHECK(ok.at("stdout") == "hello\n");
  CHECK(ok.at("time").is_string());  // Judge0's decimal columns are strings
  CHECK(ok.at("memory").is_int64());
  std::vector<std::string> keys;
  for (const auto& m : ok) keys.emplace_back(m.key());
  std::sort(keys.begin(), keys.end());
  CHECK(keys == std::vector<std::string>{"compile_output", "memory", "message", "status", "stderr", "stdout", "time", "token"});
  auto wrong = submit_wait({{"source_code", "print('nope')"}, {"language_id", 71}, {"expected_output", "hello"}});
  CHECK(status_id(wrong) == 4);
}

TEST_CASE("judge0: every status runbox produces on a run", "[judge0]") {
  struct Case {
    std::string name;
    json::object body;
    int status;
    std::string runbox_status;
  };
  std::vector<Case> cases = {
      {"compile error", {{"source_code", "int main( {"}, {"language_id", 50}}, 6, "compile_error"},
      {"cpu time", {{"source_code", "while True: pass"}, {"language_id", 71}, {"cpu_time_limit", 0.5}}, 5, "time_limit"},
      {"wall time",
       {{"source_code", "import time; time.sleep(5)"}, {"language_id", 71}, {"wall_time_limit", 1}},
       5,
       "wall_time_limit"},
      {"SIGSEGV", {{"source_code", kSegv}, {"language_id", 50}}, 7, "runtime_error"},
      {"SIGXFSZ",
       // (CPython ignores SIGXFSZ and raises instead: a C program takes the signal, as in Judge0.)
       {{"source_code", "#include <stdio.h>\nint main(void){FILE *f = fopen(\"f\", \"w\");"
                        " for (int i = 0; i < 100000; i++) fputs(\"xxxxxxxxxx\", f); return fclose(f);}"},
        {"language_id", 50},
        {"max_file_size", 8}},
       8,
       "runtime_error"},
      {"SIGFPE", {{"source_code", "int main(int c, char **v){volatile int z = c - 1, x = 7; (void)v; return x / z;}"}, {"language_id", 50}}, 9, "runtime_error"},
      {"SIGABRT", {{"source_code", "#include <stdlib.h>\nint main(void){abort();}"}, {"language_id", 50}}, 10, "runtime_error"},
      {"NZEC", {{"source_code", "import sys; sys.exit(3)"}, {"language_id", 71}}, 11, "runtime_error"},
      {"memory (OOM kill, as Judge0 sees it)",
       {{"source_code", "x = bytearray(200 * 1024 * 1024)\nprint(len(x))"}, {"language_id", 71}, {"memory_limit", 32768}},
       12,
       "memory_limit"},
      {"output limit (Judge0's stdout file)",
       {{"source_code", "print('x' * 100000)"}, {"language_id", 71}, {"max_file_size", 8}},
       8,
       "output_limit"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto r = submit_wait(c.body, "&fields=status,runbox_status,exit_code,exit_signal,compile_output,message");
    INFO(json::serialize(r));
    CHECK(status_id(r) == c.status);
    CHECK(r.at("runbox_status") == c.runbox_status.c_str());
    if (c.status == 6) CHECK(r.at("compile_output").as_string().size() > 0);
    if (c.status == 7) CHECK(r.at("exit_signal") == 11);
    if (c.status == 11) CHECK(r.at("exit_code") == 3);
  }
}

TEST_CASE("judge0: base64_encoded=true both ways, bytes that are not UTF-8 need it", "[judge0]") {
  auto r = submit_wait({{"source_code", b64("import sys; sys.stdout.write(sys.stdin.read().upper())")},
                        {"language_id", 71},
                        {"stdin", b64("abc")},
                        {"expected_output", b64("ABC")}},
                       "&base64_encoded=true");
  CHECK(status_id(r) == 3);
  CHECK(r.at("stdout") == b64("ABC").c_str());
  auto raw = call(shared().port(), "POST", "/submissions?wait=true",
                  json::serialize(json::object{{"source_code", "import sys; sys.stdout.buffer.write(b'\\xff\\xfe')"},
                                               {"language_id", 71}}));
  REQUIRE(raw.http.status == 201);
  CHECK(raw.body.at("error").as_string().find("base64_encoded=true") != json::string::npos);
  auto token = std::string(raw.body.at("token").as_string());
  auto again = call(shared().port(), "GET", "/submissions/" + token + "?base64_encoded=true&fields=stdout");
  CHECK(again.body.at("stdout") == b64("\xff\xfe").c_str());
}

TEST_CASE("judge0: fields= picks the answer's fields, runbox_status only when named", "[judge0]") {
  auto r = submit_wait({{"source_code", "print(1)"}, {"language_id", 71}}, "&fields=stdout,exit_code,language");
  CHECK(r.size() == 3);
  CHECK(r.at("exit_code") == 0);
  CHECK(r.at("language").at("id") == 71);
  auto all = submit_wait({{"source_code", "print(1)"}, {"language_id", 71}}, "&fields=*");
  CHECK(all.contains("wall_time"));
  CHECK(all.at("cpu_time_limit").is_string());
  CHECK_FALSE(all.contains("runbox_status"));
  auto bad = call(shared().port(), "POST", "/submissions?wait=true&fields=stdout,bogus",
                  json::serialize(json::object{{"source_code", "print(1)"}, {"language_id", 71}}));
  CHECK(bad.http.status == 400);
  CHECK(bad.body.at("error") == "invalid fields: [bogus]");
}

TEST_CASE("judge0: unknown and invalid fields are 422 with Judge0's per-field messages", "[judge0]") {
  auto r = call(shared().port(), "POST", "/submissions?wait=true",
                R"J({"source_code": "print(1)", "language_id": 71, "colour": "red", "cpu_time_limit": "soon"})J");
  CHECK(r.http.status == 422);
  CHECK(r.body.at("colour").at(0) == "is not a known field");
  CHECK(r.body.at("cpu_time_limit").at(0) == "is not a number");
  auto lang = call(shared().port(), "POST", "/submissions", R"J({"source_code": "x", "language_id": 4242})J");
  CHECK(lang.http.status == 422);
  CHECK(lang.body.at("language_id").at(0) == "language with id 4242 doesn't exist");
  auto over = call(shared().port(), "POST", "/submissions", R"J({"source_code": "x", "language_id": 71, "cpu_time_limit": 100000})J");
  CHECK(over.http.status == 422);
  CHECK(over.body.at("cpu_time_limit").at(0).as_string().starts_with("must be less than or equal to "));
}

TEST_CASE("judge0: wait=false gives a token at once, polling sees the queue, then the result", "[judge0]") {
  auto r = call(shared().port(), "POST", "/submissions",
                json::serialize(json::object{{"source_code", "import time; time.sleep(1.5); print('late')"}, {"language_id", 71}}));
  REQUIRE(r.http.status == 201);
  REQUIRE(r.body.as_object().size() == 1);
  const std::string token(r.body.at("token").as_string());
  std::vector<std::int64_t> seen;
  auto done = poll(shared().port(), token, &seen);
  CHECK(status_id(done) == 3);
  CHECK(done.at("stdout") == "late\n");
  REQUIRE(seen.size() >= 2);
  CHECK((seen.front() == 1 || seen.front() == 2));
  CHECK(seen.back() == 3);
  // The token is alice's: bob is told it does not exist.
  CHECK(call(shared().port(), "GET", "/submissions/" + token, "", kBob).http.status == 404);
  CHECK(call(shared().port(), "GET", "/submissions/00000000-0000-4000-8000-000000000000").http.status == 404);
}

TEST_CASE("judge0: batches of at most 20, tokens read back in order, unknown ones null", "[judge0]") {
  json::array items;
  for (int i = 0; i < 3; ++i) items.push_back(json::object{{"source_code", "print(" + std::to_string(i) + ")"}, {"language_id", 71}});
  items.push_back(json::object{{"language_id", 71}});  // no source_code: its own error, the rest go on
  auto r = call(shared().port(), "POST", "/submissions/batch", json::serialize(json::object{{"submissions", items}}));
  REQUIRE(r.http.status == 201);
  REQUIRE(r.body.as_array().size() == 4);
  CHECK(r.body.at(3).at("source_code").at(0) == "can't be blank");
  std::string tokens;
  for (int i = 0; i < 3; ++i) {
    poll(shared().port(), std::string(r.body.at(i).at("token").as_string()));
    tokens += std::string(r.body.at(i).at("token").as_string()) + ",";
  }
  auto got = call(shared().port(), "GET", "/submissions/batch?tokens=" + tokens + "nope&fields=stdout,status");
  REQUIRE(got.http.status == 200);
  auto& list = got.body.at("submissions").as_array();
  REQUIRE(list.size() == 4);
  for (int i = 0; i < 3; ++i) CHECK(list.at(i).at("stdout") == (std::to_string(i) + "\n").c_str());
  CHECK(list.at(3).is_null());
  json::array many;
  for (int i = 0; i < 21; ++i) many.push_back(json::object{{"source_code", "print(1)"}, {"language_id", 71}});
  CHECK(call(shared().port(), "POST", "/submissions/batch", json::serialize(json::object{{"submissions", many}})).http.status == 400);
  auto none = call(shared().port(), "POST", "/submissions/batch", R"J({"submissions": [{"language_id": 71}]})J");
  CHECK(none.http.status == 422);
}

TEST_CASE("judge0: callback_url gets a PUT of the result", "[judge0]") {
  CallbackReceiver receiver;
  auto r = call(shared().port(), "POST", "/submissions",
                json::serialize(json::object{{"source_code", "print('called')"},
                                             {"language_id", 71},
                                             {"callback_url", "http://127.0.0.1:" + std::to_string(receiver.port()) + "/done"}}));
  REQUIRE(r.http.status == 201);
  const std::string request = receiver.request(30s);
  REQUIRE(request.rfind("PUT /done HTTP/1.1\r\n", 0) == 0);
  auto body = json::parse(request.substr(request.find("\r\n\r\n") + 4));
  CHECK(body.at("token") == r.body.at("token"));
  CHECK(body.at("status").at("id") == 3);
  CHECK(body.at("stdout") == b64("called\n").c_str());  // Judge0's callbacks are base64
  auto refused = call(shared().port(), "POST", "/submissions",
                      R"J({"source_code": "x", "language_id": 71, "callback_url": "http://10.1.2.3/x"})J");
  CHECK(refused.http.status == 422);
}

TEST_CASE("judge0: a restart keeps tokens, a run cut off by a crash is an Internal Error", "[judge0]") {
  Judge0Daemon d;
  auto submit = [&](const std::string& code) {
    auto r = call(d.port(), "POST", "/submissions", json::serialize(json::object{{"source_code", code}, {"language_id", 71}}));
    REQUIRE(r.http.status == 201);
    return std::string(r.body.at("token").as_string());
  };
  // SIGTERM drains: the queued run finishes and its result is there after the restart.
  const std::string drained = submit("import time; time.sleep(1); print('drained')");
  std::this_thread::sleep_for(200ms);
  d.daemon->stop();
  d.start();
  auto after = poll(d.port(), drained);
  CHECK(status_id(after) == 3);
  CHECK(after.at("stdout") == "drained\n");
  // SIGKILL: nothing finishes it; the next daemon reports it as interrupted.
  const std::string cut = submit("import time; time.sleep(30)");
  std::vector<std::int64_t> seen;
  REQUIRE(eventually([&] { return status_id(call(d.port(), "GET", "/submissions/" + cut).body.as_object()) == 2; }, 10s));
  ::kill(d.daemon->pid(), SIGKILL);
  d.daemon->stop();
  d.start();
  auto interrupted = poll(d.port(), cut);
  CHECK(status_id(interrupted) == 13);
  CHECK(interrupted.at("message").as_string().find("interrupted") != json::string::npos);
  CHECK(interrupted.at("runbox_status") == "internal_error");
  // The store is held by one daemon: a second one on it answers 503 on Judge0's endpoints only.
  DaemonOptions o;
  o.slots = 1;
  o.config = d.dir.path() / "runboxd.toml";
  DaemonProcess second(o);
  auto refused = call(second.port(), "GET", "/submissions/" + cut);
  CHECK(refused.http.status == 503);
  auto run = http_request(second.port(), "POST", "/v1/run", json::serialize(run_body("python3", "print(1)")),
                          {{"X-API-Key", kAlice}});
  CHECK(run.status == 200);
}

TEST_CASE("judge0: tokens expire, the store is bounded (503 queue is full)", "[judge0]") {
  Judge0Daemon d("token_ttl_s = 2\nmax_submissions = 2\n");
  auto submit = [&] {
    return call(d.port(), "POST", "/submissions?wait=true", R"J({"source_code": "print(1)", "language_id": 71})J");
  };
  auto first = submit();
  REQUIRE(first.http.status == 201);
  REQUIRE(submit().http.status == 201);
  auto full = submit();
  CHECK(full.http.status == 503);
  CHECK(full.body.at("error") == "queue is full");
  std::this_thread::sleep_for(2500ms);
  CHECK(call(d.port(), "GET", "/submissions/" + std::string(first.body.at("token").as_string())).http.status == 404);
  CHECK(submit().http.status == 201);
}
