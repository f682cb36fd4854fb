// `runbox image import|ls|rm` end to end through the built binary.
#include <sys/wait.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "archive_builder.hpp"
#include "store_checks.hpp"
#include "test_env.hpp"

namespace fs = std::filesystem;
using runbox::test::ArchiveBuilder;
using runbox::test::TempDir;

namespace {

struct CliResult {
  int status;
  std::string out;
  std::string err;
};

// `env`: assignments put before the command ("DOCKER_HOST=...").
CliResult run_cli(const TempDir& tmp, const std::string& args, const std::string& env = "") {
  const fs::path out = tmp.path() / "cli.out";
  const fs::path err = tmp.path() / "cli.err";
  const std::string cmd = (env.empty() ? "" : "env " + env + " ") + std::string(RUNBOX_CLI_PATH) + " " + args +
                          " >" + out.string() + " 2>" + err.string();
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, runbox::test::read_file(out),
          runbox::test::read_file(err)};
}

}  // namespace

TEST_CASE("cli: image import, ls and rm") {
  runbox::test::require_root();
  TempDir tmp;
  const std::string root = (tmp.path() / "store").string();
  ArchiveBuilder(tmp.path() / "ok.tar").dir("./").file("./f", "1234567890").chardev("./dev/null", 1, 3).close();

  auto r = run_cli(tmp, "image import --root " + root + " --label os=debian --label suite=bookworm " +
                            (tmp.path() / "ok.tar").string() + " deb");
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::StartsWith("imported image deb at " + root + "/deb: 3 entries, 10B (10 bytes), "
                                      "1 device nodes skipped"));

  r = run_cli(tmp, "image ls --root " + root);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::StartsWith("NAME") && Catch::Contains("LABELS") &&
                        Catch::Contains("deb ") && Catch::Contains("os=debian,suite=bookworm"));

  r = run_cli(tmp, "image ls --json --root " + root);
  REQUIRE(r.status == 0);
  const auto list = boost::json::parse(r.out).as_array();
  REQUIRE(list.size() == 1);
  CHECK(list[0].at("name") == "deb");
  CHECK(list[0].at("size_bytes") == 10);
  CHECK(list[0].at("skipped") == 1);
  CHECK(list[0].at("labels").at("suite") == "bookworm");

  r = run_cli(tmp, "image rm --root " + root + " deb");
  CHECK(r.status == 0);
  CHECK_FALSE(fs::exists(tmp.path() / "store/deb"));

  r = run_cli(tmp, "image rm --root " + root + " deb");
  CHECK(r.status == 1);
  CHECK(r.err == "runbox: image rm: no image named deb\n");
}

TEST_CASE("cli: a hostile archive exits 1 with the reason") {
  runbox::test::require_root();
  TempDir tmp;
  const std::string root = (tmp.path() / "store").string();
  ArchiveBuilder(tmp.path() / "bad.tar").file("../escape", "x").close();
  const auto r = run_cli(tmp, "image import --root " + root + " " + (tmp.path() / "bad.tar").string() + " bad");
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::StartsWith("runbox: image import: entry '../escape': "));
  CHECK(runbox::test::store_leftovers(root).empty());

  const auto label = run_cli(tmp, "image import --root " + root + " --label novalue " +
                                      (tmp.path() / "bad.tar").string() + " bad");
  CHECK(label.status == 1);
  CHECK_THAT(label.err, Catch::Contains("label 'novalue' is not KEY=VALUE"));
}

TEST_CASE("cli: ls names the runtimes using an image, rm refuses while one does and --force removes") {
  runbox::test::require_root();
  TempDir tmp;
  const std::string root = (tmp.path() / "store").string();
  const fs::path runtimes = tmp.path() / "runtimes";
  fs::create_directory(runtimes);
  fs::copy_file(fs::path(RUNBOX_SOURCE_DIR) / "runtimes/python3.toml", runtimes / "python3.toml");  // image "python"
  ArchiveBuilder(tmp.path() / "ok.tar").dir("./").file("./f", "x").close();
  for (const char* name : {"python", "spare"})
    REQUIRE(run_cli(tmp, "image import --root " + root + " " + (tmp.path() / "ok.tar").string() + " " + name).status == 0);

  auto r = run_cli(tmp, "image ls --root " + root + " --runtimes-dir " + runtimes.string());
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("IMAGE ID") && Catch::Contains("RUNTIMES"));
  CHECK_THAT(r.out, Catch::Matches("(.|\\n)*python +- +- +1B +python3 (.|\\n)*"));
  r = run_cli(tmp, "image ls --json --root " + root + " --runtimes-dir " + runtimes.string());
  const auto list = boost::json::parse(r.out).as_array();
  REQUIRE(list.size() == 2);
  CHECK(list[0].at("runtimes").as_array() == boost::json::array{"python3"});
  CHECK(list[0].at("image_id").is_null());
  CHECK(list[1].at("runtimes").as_array().empty());

  r = run_cli(tmp, "image rm --root " + root + " --runtimes-dir " + runtimes.string() + " python");
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::Contains("image python is used by runtime python3") && Catch::Contains("--force"));
  CHECK(fs::exists(tmp.path() / "store/python/f"));
  r = run_cli(tmp, "image rm --root " + root + " --runtimes-dir " + runtimes.string() + " spare");
  CHECK(r.status == 0);
  r = run_cli(tmp, "image rm --force --root " + root + " --runtimes-dir " + runtimes.string() + " python");
  CHECK(r.status == 0);
  CHECK_FALSE(fs::exists(tmp.path() / "store/python"));
}

TEST_CASE("cli: pull with no engine at the socket exits 1 saying so") {
  TempDir tmp;
  const std::string sock = (tmp.path() / "none.sock").string();
  auto r = run_cli(tmp, "image pull --root " + (tmp.path() / "store").string() + " --docker-socket " + sock +
                            " runbox/python:latest");
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::Contains("runbox: image pull: Docker engine unreachable at " + sock));
  r = run_cli(tmp, "image pull --root " + (tmp.path() / "store").string() + " runbox/python:latest",
              "DOCKER_HOST=unix://" + sock);
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::Contains("Docker engine unreachable at " + sock));
  r = run_cli(tmp, "image pull --root " + (tmp.path() / "store").string() + " runbox/python:latest",
              "DOCKER_HOST=tcp://127.0.0.1:2375");
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::Contains("not a unix socket"));
  CHECK_FALSE(fs::exists(tmp.path() / "store/python"));
}
