// The playground (docs/api.md, "Playground"): its [playground] keys, the same-origin rule of the
// Origin screen, and the files served: which names, which headers, nothing outside its two
// directories.
#include <catch2/catch.hpp>

#include "config/daemon_config.hpp"
#include "config_refusal.hpp"
#include "server/playground_files.hpp"
#include "server/request_screen.hpp"
#include "test_env.hpp"

using namespace runbox;
using runbox::server::Request;
using runbox::server::Response;
namespace http = boost::beast::http;

TEST_CASE("playground config: on by default, every key read, bad values refused with the field", "[playground]") {
  const auto d = config::parse_daemon_config("", "runboxd.toml", "/etc/runbox").playground;
  CHECK(d.enabled);
  CHECK(d.dir == config::default_playground_dir());
  CHECK(d.editor_dir == "/usr/share/javascript/codemirror");
  const auto c = config::parse_daemon_config(
                     "[playground]\nenabled = false\ndir = \"page\"\neditor_dir = \"/opt/cm\"\n", "runboxd.toml", "/etc/runbox")
                     .playground;
  CHECK_FALSE(c.enabled);
  CHECK(c.dir == "/etc/runbox/page");  // relative to the file's directory
  CHECK(c.editor_dir == "/opt/cm");
  CHECK_THAT(test::config_refusal("[playground]\nenabled = \"yes\"\n"), Catch::Contains("playground.enabled"));
  CHECK_THAT(test::config_refusal("[playground]\ndir = \"\"\n"), Catch::Contains("playground.dir"));
  CHECK_THAT(test::config_refusal("[playground]\neditor = \"x\"\n"), Catch::Contains("playground.editor"));
  CHECK_THAT(test::config_refusal("playground = true\n"), Catch::Contains("playground"));
}

TEST_CASE("request screen: an Origin equal to the request's own Host is the same origin", "[screen]") {
  using server::same_origin;
  CHECK(same_origin("http://127.0.0.1:8080", "127.0.0.1:8080"));
  CHECK(same_origin("https://Judge.Example", "judge.example"));
  CHECK(same_origin("http://[::1]:8080", "[::1]:8080"));
  CHECK_FALSE(same_origin("http://127.0.0.1:8081", "127.0.0.1:8080"));
  CHECK_FALSE(same_origin("http://127.0.0.1", "127.0.0.1:8080"));
  CHECK_FALSE(same_origin("http://evil.example", "judge.example"));
  CHECK_FALSE(same_origin("ftp://judge.example", "judge.example"));
  CHECK_FALSE(same_origin("http://", ""));
  CHECK_FALSE(same_origin("null", "null"));
  CHECK_FALSE(same_origin("http://judge.example/", "judge.example"));
}

namespace {

Request get(const std::string& target, http::verb method = http::verb::get) {
  Request req{method, target, 11};
  return req;
}

}  // namespace

TEST_CASE("playground files: the page, its editor, headers, 304, and no other file", "[playground]") {
  test::TempDir page, editor;
  test::write_file(page.path() / "index.html", "<!doctype html><title>p</title>");
  test::write_file(page.path() / "playground.js", "'use strict';");
  test::write_file(page.path() / "playground.css", "body{}");
  test::write_file(page.path() / "secret.txt", "not served");
  std::filesystem::create_directories(editor.path() / "lib");
  std::filesystem::create_directories(editor.path() / "mode/python");
  std::filesystem::create_directories(editor.path() / "mode/clike");
  test::write_file(editor.path() / "lib/codemirror.js", "var CodeMirror;");
  test::write_file(editor.path() / "lib/codemirror.css", ".CodeMirror{}");
  test::write_file(editor.path() / "mode/python/python.js", "// python");
  test::write_file(editor.path() / "mode/python/test.js", "// not served");
  config::PlaygroundConfig c;
  c.dir = page.path();
  c.editor_dir = editor.path();

  auto res = server::serve_playground(get("/"), c);
  REQUIRE(res);
  CHECK(res->result_int() == 200);
  CHECK(res->body() == "<!doctype html><title>p</title>");
  CHECK((*res)[http::field::content_type] == "text/html; charset=utf-8");
  CHECK((*res)[http::field::cache_control] == "no-cache");
  CHECK_THAT(std::string((*res)["Content-Security-Policy"]), Catch::Contains("script-src 'self'"));
  CHECK_THAT(std::string((*res)["Content-Security-Policy"]), Catch::Contains("default-src 'none'"));
  CHECK((*res)["X-Content-Type-Options"] == "nosniff");
  const std::string etag((*res)[http::field::etag]);
  CHECK(!etag.empty());
  // The browser's revalidation: 304, no body.
  Request again = get("/?key=ignored");
  again.set(http::field::if_none_match, etag);
  auto fresh = server::serve_playground(again, c);
  REQUIRE(fresh);
  CHECK(fresh->result_int() == 304);
  CHECK(fresh->body().empty());

  struct Case {
    const char* target;
    const char* body;
    const char* type;
  };
  for (const Case& k : {Case{"/playground/playground.js", "'use strict';", "text/javascript; charset=utf-8"},
                        Case{"/playground/playground.css", "body{}", "text/css; charset=utf-8"},
                        Case{"/playground/codemirror/lib/codemirror.js", "var CodeMirror;", "text/javascript; charset=utf-8"},
                        Case{"/playground/codemirror/lib/codemirror.css", ".CodeMirror{}", "text/css; charset=utf-8"},
                        Case{"/playground/codemirror/mode/python/python.js", "// python", "text/javascript; charset=utf-8"}}) {
    INFO(k.target);
    auto r = server::serve_playground(get(k.target), c);
    REQUIRE(r);
    CHECK(r->result_int() == 200);
    CHECK(r->body() == k.body);
    CHECK((*r)[http::field::content_type] == k.type);
  }
  CHECK((*server::serve_playground(get("/playground/codemirror/lib/codemirror.js"), c))[http::field::cache_control] ==
        "public, max-age=86400");

  // Names not on the list, traversal in every spelling, a mode file that is not there: 404.
  for (const char* bad : {"/playground/secret.txt", "/playground/", "/playground/index.html", "/playground/../secret.txt",
                          "/playground/%2e%2e/secret.txt", "/playground/codemirror/mode/python/test.js",
                          "/playground/codemirror/mode/../../../etc/passwd", "/playground/codemirror/mode/..%2f/..%2f.js",
                          "/playground/codemirror/mode/a.b/a.b.js", "/playground/codemirror/mode/Python/Python.js",
                          "/playground/codemirror/mode/python/clike.js", "/playground/codemirror/mode/clike/clike.js",
                          "/playground/codemirror/lib/../../secret.txt", "/playground//playground.js",
                          "/playground/playground.js/", "/playground/codemirror/mode//.js"}) {
    INFO(bad);
    auto r = server::serve_playground(get(bad), c);
    REQUIRE(r);
    CHECK(r->result_int() == 404);
    CHECK_THAT(r->body(), Catch::Contains("\"not_found\""));
    CHECK_THAT(r->body(), !Catch::Contains("not served"));
  }
  // A directory or a FIFO where a file should be is not a file.
  std::filesystem::create_directories(editor.path() / "mode/go/go.js");
  CHECK(server::serve_playground(get("/playground/codemirror/mode/go/go.js"), c)->result_int() == 404);

  auto post = server::serve_playground(get("/", http::verb::post), c);
  REQUIRE(post);
  CHECK(post->result_int() == 405);
  CHECK((*post)[http::field::allow] == "GET");

  // Other paths are not the playground's; disabled, none is (the caller answers 404 as for any).
  CHECK_FALSE(server::serve_playground(get("/v1/nothing"), c));
  CHECK_FALSE(server::serve_playground(get("/playgroundx"), c));
  c.enabled = false;
  CHECK_FALSE(server::serve_playground(get("/"), c));
  CHECK_FALSE(server::serve_playground(get("/playground/playground.js"), c));
}
