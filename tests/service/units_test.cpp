// The unit files (systemd/runboxd.service.in, runboxd.socket.in, as CMake generates them):
// `systemd-analyze verify` passes on them with not a single warning, a broken copy fails that
// same check, the installed copy differs from the verified one only by runboxd's path, and the
// directives runboxd's design depends on are there (and the ones that would break it are not).
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>

#include "test_env.hpp"

namespace fs = std::filesystem;
using runbox::test::read_file;
using runbox::test::TempDir;
using runbox::test::write_file;

namespace {

const fs::path kVerifyDir = RUNBOX_VERIFY_UNIT_DIR;       // ExecStart= this build's runboxd
const fs::path kInstalledDir = RUNBOX_INSTALLED_UNIT_DIR;  // ExecStart= the installed runboxd

struct Verify {
  int status = -1;
  std::string output;
  // Passes only with exit 0 and no output: verify reports most mistakes (an unknown key, a bad
  // value) as warnings on stderr and still exits 0.
  bool passed() const { return status == 0 && output.empty(); }
};

std::string quoted(const std::string& s) { return "'" + std::regex_replace(s, std::regex("'"), "'\\''") + "'"; }

Verify verify(const std::vector<fs::path>& units) {
  std::string cmd = quoted(SYSTEMD_ANALYZE) + " verify";
  for (const auto& u : units) cmd += " " + quoted(u.string());
  cmd += " 2>&1";
  Verify v;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) v.output.append(buf, n);
  const int w = ::pclose(p);
  v.status = WIFEXITED(w) ? WEXITSTATUS(w) : -1;
  return v;
}

// A copy of the verifiable units in a fresh directory, with `from` replaced by `to` in the
// service (verify looks for the socket's service next to it).
struct BrokenCopy {
  TempDir dir;
  BrokenCopy(const std::string& from, const std::string& to) {
    std::string service = read_file(kVerifyDir / "runboxd.service");
    const auto at = service.find(from);
    REQUIRE(at != std::string::npos);
    service.replace(at, from.size(), to);
    write_file(dir.path() / "runboxd.service", service);
    fs::copy_file(kVerifyDir / "runboxd.socket", dir.path() / "runboxd.socket");
  }
  std::vector<fs::path> units() const { return {dir.path() / "runboxd.service", dir.path() / "runboxd.socket"}; }
};

// The directives in force: comments dropped; a key given several times keeps every value.
std::multimap<std::string, std::string> directives(const std::string& unit) {
  std::multimap<std::string, std::string> out;
  std::istringstream in(unit);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line[0] == ';' || line[0] == '[') continue;
    const auto eq = line.find('=');
    if (eq != std::string::npos) out.emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  return out;
}

std::string only(const std::multimap<std::string, std::string>& d, const std::string& key) {
  INFO("directive " << key);
  REQUIRE(d.count(key) == 1);
  return d.find(key)->second;
}

}  // namespace

TEST_CASE("systemd-analyze verify passes on runboxd.service and runboxd.socket", "[units]") {
  const Verify v = verify({kVerifyDir / "runboxd.service", kVerifyDir / "runboxd.socket"});
  INFO("systemd-analyze verify (exit " << v.status << "):\n" << v.output);
  CHECK(v.passed());
}

TEST_CASE("a broken unit fails the same check", "[units]") {
  SECTION("a runboxd that does not exist (verify exits 1)") {
    BrokenCopy c(RUNBOXD_PATH, "/nonexistent/runboxd");
    const Verify v = verify(c.units());
    INFO(v.output);
    CHECK(v.status != 0);
    CHECK_FALSE(v.passed());
  }
  SECTION("a misspelt value (verify only warns)") {
    BrokenCopy c("\nType=notify\n", "\nType=notfiy\n");
    const Verify v = verify(c.units());
    INFO(v.output);
    CHECK_FALSE(v.passed());
  }
  SECTION("an unknown directive (verify only warns)") {
    BrokenCopy c("\nDelegate=yes\n", "\nDelegates=yes\n");
    const Verify v = verify(c.units());
    INFO(v.output);
    CHECK_FALSE(v.passed());
  }
}

TEST_CASE("the installed unit is the verified one with the installed runboxd", "[units]") {
  const std::string installed = read_file(kInstalledDir / "runboxd.service");
  const std::string verified = read_file(kVerifyDir / "runboxd.service");
  const std::string exec = only(directives(installed), "ExecStart");
  CHECK(exec == std::string(RUNBOX_INSTALL_BINDIR) + "/runboxd --config " + RUNBOX_SYSCONFDIR + "/runboxd.toml");
  CHECK(only(directives(verified), "ExecStart") ==
        std::string(RUNBOXD_PATH) + " --config " + RUNBOX_SYSCONFDIR + "/runboxd.toml");
  std::string expected = verified;
  const std::string built = RUNBOXD_PATH, target = std::string(RUNBOX_INSTALL_BINDIR) + "/runboxd";
  for (auto at = expected.find(built); at != std::string::npos; at = expected.find(built, at + target.size()))
    expected.replace(at, built.size(), target);
  CHECK(expected == installed);
  CHECK(read_file(kInstalledDir / "runboxd.socket") == read_file(kVerifyDir / "runboxd.socket"));
}

TEST_CASE("the service has what runboxd relies on, and nothing that breaks its sandbox", "[units]") {
  const auto d = directives(read_file(kVerifyDir / "runboxd.service"));
  CHECK(only(d, "Type") == "notify");           // READY=1 from sd_notify
  CHECK(only(d, "NotifyAccess") == "main");
  CHECK(only(d, "ExecReload") == "/bin/kill -HUP $MAINPID");  // SIGHUP reloads
  CHECK(only(d, "Delegate") == "yes");          // run cgroups below its own
  CHECK(only(d, "KillMode") == "mixed");        // SIGTERM to runboxd alone: it drains
  CHECK(only(d, "Restart") == "on-failure");
  // Longer than runboxd's 30 s drain grace.
  std::smatch m;
  const std::string stop = only(d, "TimeoutStopSec");
  REQUIRE(std::regex_match(stop, m, std::regex("([0-9]+)s")));
  CHECK(std::stoi(m[1]) > 30);
  CHECK(only(d, "StateDirectory") == "runbox");
  CHECK(only(d, "RuntimeDirectory") == "runbox");
  CHECK(only(d, "CacheDirectory") == "runbox");
  CHECK(only(d, "ConfigurationDirectory") == "runbox");
  CHECK(only(d, "ProtectHome") == "yes");
  CHECK(only(d, "ProtectSystem") == "strict");
  const std::string rw = only(d, "ReadWritePaths");
  for (const char* path : {"/var/lib/runbox", "/run/runbox", "/var/cache/runbox", "/sys/fs/cgroup"}) {
    INFO(path);
    CHECK((" " + rw + " ").find(std::string(" ") + path + " ") != std::string::npos);
  }
  // Each of these would refuse namespaces, mounts, pivot_root, mknod, sethostname or cgroup
  // writes, or put a seccomp filter of systemd's on every run (the unit's comment says which).
  for (const char* key :
       {"PrivateDevices", "ProtectKernelTunables", "ProtectControlGroups", "RestrictNamespaces", "SystemCallFilter",
        "ProtectHostname", "MemoryDenyWriteExecute", "SystemCallArchitectures", "RestrictAddressFamilies",
        "LockPersonality", "RestrictRealtime", "RestrictSUIDSGID", "ProtectClock", "ProtectKernelModules",
        "ProtectKernelLogs", "DynamicUser", "User", "PrivateUsers", "PrivateNetwork"}) {
    INFO(key);
    CHECK(d.count(key) == 0);
  }
}

TEST_CASE("the socket unit activates runboxd on its unix socket", "[units]") {
  const auto d = directives(read_file(kVerifyDir / "runboxd.socket"));
  CHECK(only(d, "ListenStream") == "/run/runbox/runboxd.sock");
  CHECK(only(d, "SocketMode") == "0660");
  CHECK(only(d, "Service") == "runboxd.service");
}
