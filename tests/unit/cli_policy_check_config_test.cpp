// `runbox policy check --config`: the whole set runboxd loads, checked without a daemon (the
// same loader as start-up and SIGHUP), and `runbox key new` entries that load.
#include <sys/stat.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "auth/key_set.hpp"
#include "test_env.hpp"

namespace fs = std::filesystem;
using runbox::test::TempDir;
using runbox::test::write_file;

namespace {

struct Cli {
  int status;
  std::string out, err;
};

Cli runbox_cli(const TempDir& tmp, const std::string& args) {
  const fs::path out = tmp.path() / "cli.out", err = tmp.path() / "cli.err";
  const std::string cmd = std::string(RUNBOX_CLI_PATH) + " " + args + " >" + out.string() + " 2>" + err.string();
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, runbox::test::read_file(out), runbox::test::read_file(err)};
}

}  // namespace

TEST_CASE("cli: policy check --config checks the configuration, every tier and the keys", "[cli]") {
  TempDir tmp;
  const std::string src = RUNBOX_SOURCE_DIR;
  // A key made by `runbox key new`, for the untrusted tier.
  Cli made = runbox_cli(tmp, "key new grader --tier untrusted --rate 5 --burst 10");
  REQUIRE(made.status == 0);
  CHECK_THAT(made.err, Catch::Contains("rbx_"));
  write_file(tmp.path() / "keys.toml", made.out, 0600);
  ::chmod((tmp.path() / "keys.toml").c_str(), 0600);
  const std::string key = made.err.substr(made.err.find("rbx_"), made.err.find('\n', made.err.find("rbx_")) - made.err.find("rbx_"));
  auto loaded = runbox::auth::KeySet::load(tmp.path() / "keys.toml");
  REQUIRE(loaded.find(key));
  CHECK(loaded.find(key)->tier == "untrusted");

  write_file(tmp.path() / "runboxd.toml", "keys = \"keys.toml\"\nruntimes_dir = \"" + src + "/runtimes\"\npolicies_dir = \"" +
                                              src + "/policies\"\n");
  Cli ok = runbox_cli(tmp, "policy check --config " + (tmp.path() / "runboxd.toml").string());
  INFO(ok.out << ok.err);
  CHECK(ok.status == 0);
  CHECK_THAT(ok.out, Catch::Contains("valid") && Catch::Contains("tier untrusted") && Catch::Contains("runsc") &&
                         Catch::Contains("keys: "));

  // A key whose tier has no policy file: refused, naming the keys file, its line and the field.
  write_file(tmp.path() / "keys.toml",
             "\n[[key]]\nname = \"x\"\nsha256 = \"" + runbox::auth::to_hex(runbox::auth::sha256("k")) + "\"\ntier = \"gold\"\n",
             0600);
  ::chmod((tmp.path() / "keys.toml").c_str(), 0600);
  Cli bad = runbox_cli(tmp, "policy check --config " + (tmp.path() / "runboxd.toml").string());
  CHECK(bad.status == 1);
  CHECK_THAT(bad.err, Catch::Contains("keys.toml:2: tier:") && Catch::Contains("gold"));

  // World-readable keys: refused as at start-up.
  ::chmod((tmp.path() / "keys.toml").c_str(), 0644);
  Cli open = runbox_cli(tmp, "policy check --config " + (tmp.path() / "runboxd.toml").string());
  CHECK(open.status == 1);
  CHECK_THAT(open.err, Catch::Contains("chmod 600"));
}

TEST_CASE("cli: policy check prints cpus per runtime and stage, in cores", "[cli]") {
  TempDir tmp;
  const std::string src = RUNBOX_SOURCE_DIR;
  Cli ok = runbox_cli(tmp, "policy check " + src + "/policies/default.toml --runtimes-dir " + src + "/runtimes");
  INFO(ok.out << ok.err);
  REQUIRE(ok.status == 0);
  CHECK_THAT(ok.out, Catch::Contains("file_size_kb  cpus  box_mb"));
  // java compile: 65536/262144 file size, then cpus default 2 / maximum 4.
  CHECK_THAT(ok.out, Catch::Contains("65536/262144   2/4"));
  CHECK_THAT(ok.out, Catch::Contains("1024/65536   1/2"));

  // A policy with cpus 0 is refused at its line.
  std::string text = runbox::test::read_file(src + "/policies/default.toml");
  text.replace(text.find("cpus = 1 "), 9, "cpus = 0 ");
  write_file(tmp.path() / "zero.toml", text);
  fs::create_directories(tmp.path() / "seccomp");
  fs::copy_file(src + "/policies/seccomp/default.toml", tmp.path() / "seccomp" / "default.toml");
  Cli zero = runbox_cli(tmp, "policy check " + (tmp.path() / "zero.toml").string() + " --runtimes-dir " + src + "/runtimes");
  INFO(zero.out << zero.err);
  CHECK(zero.status == 1);
  CHECK_THAT(zero.err, Catch::Contains("run.default.cpus") && Catch::Contains("below its minimum 0.01"));
}
