// The uids runs use, on the real daemon: each tier runs in its own range and a reload that makes
// two ranges overlap is refused whole; the runtime version probes run under a uid no slot uses
// (observed: a runtime whose version command prints its uid, runs that print theirs).
#include <signal.h>

#include <catch2/catch.hpp>
#include <set>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "ops_support.hpp"

using namespace runbox::test;
namespace fs = std::filesystem;

namespace {

const std::string kMain = "rb_main_key_0c4e8a2f6b1d9357";
const std::string kOther = "rb_other_key_7a3d1f9e5c2b8064";

const char* kUidCode = "import os\nprint(os.getuid(), os.getgid())\n";

Headers with_key(const std::string& key) { return {{"X-API-Key", key}, {"Content-Type", "application/json"}}; }

void replace_in(const fs::path& file, const std::string& from, const std::string& to) {
  std::string text = read_file(file);
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  write_file(file, text);
}

// python3 and go (the default policy names go), and "uidcheck": python whose version command
// prints the uid and gid it runs as, so /v1/runtimes shows the probes' uid.
fs::path write_runtimes(const fs::path& into) {
  fs::path dir = into / "runtimes";
  fs::create_directory(dir);
  for (const char* name : {"python3", "go"})
    fs::copy_file(fs::path(RUNBOX_SOURCE_DIR) / "runtimes" / (std::string(name) + ".toml"),
                  dir / (std::string(name) + ".toml"));
  write_file(dir / "uidcheck.toml", R"toml(name = "uidcheck"
aliases = []
image = "python"
source_file = "main.py"
run = ["python3", "main.py"]
version = ["python3", "-c", "import os; print(os.getuid(), os.getgid())"]
env = []

[limits]
memory = 1.0
pids = 1.0
)toml");
  return dir;
}

std::string uid_of_run(std::uint16_t port, const std::string& key) {
  auto r = http_request(port, "POST", "/v1/run", json::serialize(run_body("python3", kUidCode)), with_key(key));
  INFO(r.status << " " << r.body);
  REQUIRE(r.status == 200);
  auto run = json::parse(r.body).at("run").as_object();
  REQUIRE(run.at("status") == "ok");
  return std::string(run.at("stdout").as_string());
}

std::string probed_version(std::uint16_t port, const std::string& runtime, const Headers& headers = {}) {
  auto r = http_request(port, "GET", "/v1/runtimes", "", headers);
  REQUIRE(r.status == 200);
  const json::value list = json::parse(r.body);
  for (const auto& v : list.as_array())
    if (v.at("name") == runtime.c_str()) return as_str(v.at("version"));
  FAIL("no runtime " << runtime << " in " << r.body);
  return "";
}

}  // namespace

TEST_CASE("uids: each tier runs in its own range; a SIGHUP that makes two ranges overlap is refused whole",
          "[uids]") {
  require_images({"python"});
  TempDir dir;
  fs::path policies = copy_policies(dir.path());
  fs::copy_file(policies / "default.toml", policies / "other.toml");
  replace_in(policies / "other.toml", "first = 900000", "first = 910000");
  write_keys_file(dir.path() / "keys.toml", {{"main", kMain, "default"}, {"other", kOther, "other"}});
  write_file(dir.path() / "runboxd.toml", "keys = \"keys.toml\"\n" + images_root_config_line());
  DaemonOptions o;
  o.slots = 1;
  o.config = dir.path() / "runboxd.toml";
  o.policies_dir = policies;
  o.runtimes_dir = write_runtimes(dir.path());
  DaemonProcess d(o);
  CHECK(uid_of_run(d.port(), kMain) == "900000 900000\n");
  CHECK(uid_of_run(d.port(), kOther) == "910000 910000\n");

  // The other tier moved into the default tier's 900000..901023: refused, naming both files.
  replace_in(policies / "other.toml", "first = 910000", "first = 900512");
  REQUIRE(::kill(d.pid(), SIGHUP) == 0);
  REQUIRE(eventually([&] { return log_events(d, "reload_refused").size() == 1; }, std::chrono::seconds(60)));
  auto refused = log_events(d, "reload_refused").front();
  INFO(json::serialize(refused));
  CHECK(as_str(refused.at("file")) == (policies / "other.toml").string());
  CHECK(refused.at("field") == "uids");
  CHECK(refused.at("line").as_int64() > 0);
  CHECK_THAT(as_str(refused.at("msg")), Catch::Contains("900512..901535") && Catch::Contains("900000..901023") &&
                                            Catch::Contains((policies / "default.toml").string()));
  CHECK(log_events(d, "reload").empty());
  // The old set stays in force.
  CHECK(uid_of_run(d.port(), kOther) == "910000 910000\n");
  CHECK_THAT(http_get(d.port(), "/metrics").body, Catch::Contains("runbox_config_generation 1"));

  // Right next to it (901024) is fine: reloaded, and the tier's runs use the new range.
  replace_in(policies / "other.toml", "first = 900512", "first = 901024");
  REQUIRE(::kill(d.pid(), SIGHUP) == 0);
  REQUIRE(eventually([&] { return log_events(d, "reload").size() == 1; }, std::chrono::seconds(60)));
  CHECK(uid_of_run(d.port(), kOther) == "901024 901024\n");
  CHECK(uid_of_run(d.port(), kMain) == "900000 900000\n");
}

TEST_CASE("uids: the version probes run under a uid no slot uses; a range with none to spare stops start-up",
          "[uids]") {
  require_images({"python"});
  TempDir dir;
  fs::path policies = copy_policies(dir.path());
  write_file(dir.path() / "runboxd.toml", images_root_config_line());
  DaemonOptions o;
  o.slots = 2;
  o.config = dir.path() / "runboxd.toml";
  o.policies_dir = policies;
  o.runtimes_dir = write_runtimes(dir.path());
  o.start_timeout = std::chrono::seconds(60);

  // Two uids for two slots: before, the probes ran as slot 0's uid (900000); now refused.
  replace_in(policies / "default.toml", "count = 1024", "count = 2");
  try {
    DaemonProcess d(o);
    FAIL("runboxd started with no uid for the probes; they report " << probed_version(d.port(), "uidcheck"));
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("startup_failed") && Catch::Contains("uids.count") &&
                             Catch::Contains("version probes"));
  }

  // Three: the probes run as 900002, the slots as 900000 and 900001.
  replace_in(policies / "default.toml", "count = 2", "count = 3");
  DaemonProcess d(o);
  CHECK(probed_version(d.port(), "uidcheck") == "900002 900002");
  // Four runs of a second each on two slots: both slots serve.
  std::vector<json::value> bodies(4, run_body("uidcheck", std::string("import time\ntime.sleep(1)\n") + kUidCode));
  std::set<std::string> seen;
  for (const auto& r : post_runs(d.port(), bodies, 4)) {
    INFO(r.describe());
    REQUIRE(r.http.status == 200);
    REQUIRE(r.obj().at("run").at("status") == "ok");
    seen.insert(as_str(r.obj().at("run").at("stdout")));
  }
  CHECK(seen == std::set<std::string>{"900000 900000\n", "900001 900001\n"});
}
