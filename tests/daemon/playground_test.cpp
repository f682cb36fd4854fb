// The playground (docs/api.md, "Playground") from outside: runboxd's own page at /, its files
// and headers over HTTP, the same-origin rule of the Origin screen, and the page itself in
// headless Chromium (tests/playground/browser_check.py) running python and a C program that
// does not compile, with screenshots in build/playground-screenshots/. One daemon, reloaded
// (SIGHUP) through three configurations: keys + editor, no keys + no editor, disabled.
#include <signal.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "ops_support.hpp"

using namespace runbox::test;
namespace fs = std::filesystem;

namespace {

const std::string kKey = "playground-key-0123456789abcdef";
const fs::path kSource = RUNBOX_SOURCE_DIR;
const fs::path kEditor = "/usr/share/javascript/codemirror";

Headers with_key(Headers h = {}) {
  h.emplace_back("Authorization", "Bearer " + kKey);
  return h;
}

// Runs the browser check; its stdout and stderr (for the failure message) and exit status.
int browser_check(std::uint16_t port, const std::string& name, const std::vector<std::string>& flags, std::string& out) {
  std::string cmd = "/usr/bin/python3 '" + (kSource / "tests/playground/browser_check.py").string() +
                    "' --url http://127.0.0.1:" + std::to_string(port) + "/ --screenshots '" +
                    std::string(RUNBOX_SCREENSHOT_DIR) + "' --name " + name;
  for (const auto& f : flags) cmd += " " + f;
  cmd += " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int rc = ::pclose(p);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// A PNG of some size: the signature and more than the smallest possible image.
void check_png(const fs::path& p) {
  INFO(p);
  REQUIRE(fs::exists(p));
  const std::string data = read_file(p);
  CHECK(data.size() > 10000);
  CHECK(data.substr(0, 8) == "\x89PNG\r\n\x1a\n");
}

std::uint64_t generation(std::uint16_t port) {
  auto r = http_get(port, "/readyz");
  return json::parse(r.body).at("generation").as_int64();
}

void reload(DaemonProcess& d, std::uint64_t next) {
  REQUIRE(::kill(d.pid(), SIGHUP) == 0);
  REQUIRE(eventually([&] { return generation(d.port()) == next; }, std::chrono::seconds(60)));
}

}  // namespace

TEST_CASE("playground: the page in chromium, its files and headers, same origin, off by config", "[playground]") {
  require_images({"python", "gcc"});
  if (!fs::exists(kEditor / "lib/codemirror.js"))
    FAIL("Debian's libjs-codemirror is not installed (" << kEditor << "; scripts/lib/deps.sh installs it)");
  if (!fs::exists("/usr/bin/chromium")) FAIL("Debian's chromium is not installed (scripts/lib/deps.sh installs it)");
  fs::remove_all(RUNBOX_SCREENSHOT_DIR);

  TempDir dir;
  // Few runtimes, so that start and reloads probe quickly: python3, c, those the default
  // policy names ([runtime.<name>...]), and one listed unavailable (its image does not exist).
  fs::create_directories(dir.path() / "runtimes");
  std::set<std::string> names{"python3", "c"};
  const std::string policy = read_file(kSource / "policies/default.toml");
  const std::regex section(R"(\n\[runtime\.([A-Za-z0-9_+-]+)\.)");
  for (auto it = std::sregex_iterator(policy.begin(), policy.end(), section); it != std::sregex_iterator(); ++it)
    names.insert((*it)[1]);
  for (const auto& n : names) fs::copy_file(kSource / "runtimes" / (n + ".toml"), dir.path() / "runtimes" / (n + ".toml"));
  write_file(dir.path() / "runtimes/nosuch.toml",
             "name = \"nosuch\"\nimage = \"no-such-image\"\nsource_file = \"main.rb\"\nrun = [\"ruby\", \"main.rb\"]\n"
             "version = [\"ruby\", \"--version\"]\n");
  write_keys_file(dir.path() / "keys.toml", {{"player", kKey}});
  const std::string page_dir = "[playground]\ndir = \"" + (kSource / "playground").string() + "\"\n";
  write_file(dir.path() / "runboxd.toml", "keys = \"keys.toml\"\n" + images_root_config_line() + page_dir);
  DaemonOptions o;
  o.slots = 2;
  o.config = dir.path() / "runboxd.toml";
  o.runtimes_dir = dir.path() / "runtimes";
  DaemonProcess d(o);
  const std::uint16_t port = d.port();
  const std::string self = "127.0.0.1:" + std::to_string(port);

  // ---- keys and the editor ----
  // The page is public (it asks for the key itself); the API behind it is not.
  auto page = http_get(port, "/");
  REQUIRE(page.status == 200);
  CHECK(page.header("content-type") == "text/html; charset=utf-8");
  CHECK(page.body == read_file(kSource / "playground/index.html"));
  const std::string csp = page.header("content-security-policy");
  CHECK_THAT(csp, Catch::Contains("default-src 'none'"));
  CHECK_THAT(csp, Catch::Contains("script-src 'self'"));
  CHECK_THAT(csp, !Catch::Contains("unsafe-inline"));
  CHECK(page.header("x-content-type-options") == "nosniff");
  CHECK(page.header("cache-control") == "no-cache");
  CHECK(http_request(port, "GET", "/", "", {{"If-None-Match", page.header("etag")}}).status == 304);
  CHECK(http_get(port, "/v1/runtimes").status == 401);
  auto js = http_get(port, "/playground/playground.js");
  CHECK(js.status == 200);
  CHECK(js.header("content-type") == "text/javascript; charset=utf-8");
  auto cm = http_get(port, "/playground/codemirror/lib/codemirror.js");
  CHECK(cm.status == 200);
  CHECK(cm.body == read_file(kEditor / "lib/codemirror.js"));
  CHECK(cm.header("cache-control") == "public, max-age=86400");
  CHECK(http_get(port, "/playground/codemirror/mode/clike/clike.js").status == 200);
  CHECK(http_get(port, "/playground/playground.css").header("content-type") == "text/css; charset=utf-8");
  // Nothing but the listed names, whatever the spelling (the key changes nothing).
  for (const char* bad : {"/playground/../keys.toml", "/playground/%2e%2e/%2e%2e/etc/passwd", "/playground/..%2f..%2fetc%2fpasswd",
                          "/playground/codemirror/mode/../../../../etc/passwd", "/playground/codemirror/mode/python/test.js",
                          "/playground/codemirror/mode/..%2f..%2f..%2fetc/passwd.js", "/playground/index.html",
                          "/playground/codemirror/keymap/vim.js", "/playground/../../etc/passwd"}) {
    INFO(bad);
    auto r = http_request(port, "GET", bad, "", with_key());
    CHECK(r.status == 404);
    CHECK_THAT(r.body, Catch::Contains("\"not_found\""));
    CHECK_THAT(r.body, !Catch::Contains("root:"));
  }
  CHECK(http_request(port, "POST", "/", "x").status == 405);

  // The page's own POSTs carry its origin, which is this server: accepted; any other: 403.
  const std::string hello = json::serialize(run_body("python3", "print('hi')"));
  auto own = http_request(port, "POST", "/v1/run", hello,
                          with_key({{"Content-Type", "application/json"}, {"Origin", "http://" + self}}));
  INFO(own.body);
  CHECK(own.status == 200);
  CHECK(own.header("access-control-allow-origin") == "http://" + self);
  auto other = http_request(port, "POST", "/v1/run", hello,
                            with_key({{"Content-Type", "application/json"}, {"Origin", "http://localhost:9"}}));
  CHECK(other.status == 403);
  CHECK_THAT(other.body, Catch::Contains("forbidden_origin"));

  // The browser: the page asks for the key, then runs python's hello, a C compile error and
  // judge tests, with CodeMirror.
  std::string out;
  int rc = browser_check(port, "editor", {"--key", kKey, "--full"}, out);
  INFO(out);
  REQUIRE(rc == 0);
  const json::object seen = json::parse(out.substr(out.find('{'))).as_object();
  const auto& runtimes = seen.at("runtimes").as_array();
  REQUIRE(runtimes.size() == names.size() + 1);
  for (const auto& r : runtimes) {
    const auto& row = r.as_array();
    INFO(json::serialize(row));
    const bool unavailable = row.at(2).as_bool();
    CHECK(unavailable == (row.at(0).as_string() == "nosuch"));
    if (row.at(0).as_string() == "python3") CHECK_THAT(std::string(row.at(1).as_string()), Catch::Contains("Python 3."));
    if (unavailable) CHECK(row.at(1).as_string() == "nosuch (unavailable)");
  }
  const fs::path shots = RUNBOX_SCREENSHOT_DIR;
  for (const char* s : {"editor-1-needs-key", "editor-2-python-hello", "editor-3-c-compile-error",
                        "editor-4-refused-limit", "editor-5-python-tests"})
    check_png(shots / (std::string(s) + ".png"));

  // ---- no keys, no editor (reloaded): the plain textarea, and the DNS-rebinding rule ----
  write_file(dir.path() / "runboxd.toml",
             images_root_config_line() + page_dir + "editor_dir = \"" + (dir.path() / "no-editor").string() + "\"\n");
  reload(d, 2);
  CHECK(http_get(port, "/playground/codemirror/lib/codemirror.js").status == 404);
  out.clear();
  rc = browser_check(port, "plain", {"--editor", "no"}, out);
  INFO(out);
  REQUIRE(rc == 0);
  CHECK_THAT(out, Catch::Contains("Plain text editor"));
  check_png(shots / "plain-2-python-hello.png");
  // A rebinding page's Origin equals its Host too: the Host check still refuses it.
  auto rebound = http_request(port, "POST", "/v1/run", hello,
                              {{"Content-Type", "application/json"}, {"Host", "evil.example:" + std::to_string(port)},
                               {"Origin", "http://evil.example:" + std::to_string(port)}});
  CHECK(rebound.status == 403);
  auto same = http_request(port, "POST", "/v1/run", hello, {{"Content-Type", "application/json"}, {"Origin", "http://" + self}});
  CHECK(same.status == 200);

  // ---- disabled (reloaded): / is an unknown endpoint, and the same origin is just an origin ----
  write_file(dir.path() / "runboxd.toml", images_root_config_line() + "[playground]\nenabled = false\n");
  reload(d, 3);
  for (const char* gone : {"/", "/playground/playground.js", "/playground/codemirror/lib/codemirror.js"}) {
    INFO(gone);
    auto r = http_get(port, gone);
    CHECK(r.status == 404);
    CHECK_THAT(r.body, Catch::Contains("no such endpoint"));
  }
  auto refused = http_request(port, "POST", "/v1/run", hello, {{"Content-Type", "application/json"}, {"Origin", "http://" + self}});
  CHECK(refused.status == 403);
  CHECK_THAT(refused.body, Catch::Contains("forbidden_origin"));
}
