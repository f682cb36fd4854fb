// The tiers' uid ranges: apart from each other, clear of the host's accounts (/etc/passwd,
// /etc/group), and the default tier's with a uid past the slots for the version probes; all
// checked when the whole set of files is loaded (start-up, SIGHUP, policy check --config).
#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>
#include <string>

#include "auth/key_set.hpp"
#include "config/config_error.hpp"
#include "config/uid_ranges.hpp"
#include "files/daemon_files.hpp"
#include "test_env.hpp"

namespace fs = std::filesystem;
using namespace runbox::config;
using namespace runbox::files;
using runbox::test::read_file;
using runbox::test::TempDir;
using runbox::test::write_file;

namespace {

const fs::path source_dir = RUNBOX_SOURCE_DIR;

Policy range(const std::string& origin, std::uint32_t first, std::uint32_t count) {
  Policy p;
  p.origin = origin;
  p.uid_first = first;
  p.uid_count = count;
  p.uid_line = 7;
  return p;
}

template <class F>
ConfigError error_of(F f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e;
  }
  FAIL("no ConfigError");
  return ConfigError("", 0, "", "");
}

// The files runboxd reads: the source tree's runtimes, a copy of its policies, and a keys file
// with one key of `tier`. With other_first, policies/<tier>.toml is the default policy with
// uids.first = *other_first.
struct FileSet {
  TempDir dir;
  DaemonConfig config = default_daemon_config();
  FileSet(const std::string& tier, std::optional<std::uint32_t> other_first, std::uint32_t slots = 2) {
    const fs::path policies = dir.path() / "policies";
    fs::copy(source_dir / "policies", policies, fs::copy_options::recursive);
    if (other_first) {
      std::string text = read_file(policies / "default.toml");
      auto at = text.find("first = 900000");
      REQUIRE(at != std::string::npos);
      text.replace(at, 14, "first = " + std::to_string(*other_first));
      write_file(policies / (tier + ".toml"), text);
    }
    write_file(dir.path() / "keys.toml",
               "[[key]]\nname = \"k\"\nsha256 = \"" + runbox::auth::to_hex(runbox::auth::sha256("secret")) +
                   "\"\ntier = \"" + tier + "\"\n",
               0600);
    config.runtimes_dir = source_dir / "runtimes";
    config.policies_dir = policies;
    config.keys_file = dir.path() / "keys.toml";
    config.slots = slots;
  }
};

}  // namespace

TEST_CASE("uids: two tiers' ranges may touch, never overlap", "[config][uids]") {
  Policy a = range("/p/default.toml", 900000, 1024);  // 900000..901023
  Policy touching = range("/p/other.toml", 901024, 16);
  CHECK_NOTHROW(check_uid_ranges_apart({{"default", &a}, {"other", &touching}}));
  Policy below = range("/p/low.toml", 899984, 16);  // ..899999
  CHECK_NOTHROW(check_uid_ranges_apart({{"default", &a}, {"other", &touching}, {"low", &below}}));

  Policy one_shared = range("/p/other.toml", 901023, 16);
  auto e = error_of([&] { check_uid_ranges_apart({{"default", &a}, {"other", &one_shared}}); });
  CHECK(e.file() == "/p/other.toml");
  CHECK(e.line() == 7);
  CHECK(e.field() == "uids");
  CHECK_THAT(e.what(), Catch::Contains("901023..901038") && Catch::Contains("900000..901023") &&
                           Catch::Contains("/p/default.toml") && Catch::Contains("tier default") &&
                           Catch::Contains("tier other"));
  for (const Policy& inner : {range("/p/x.toml", 900100, 1), range("/p/x.toml", 800000, 200000),
                              range("/p/x.toml", 900000, 1024)}) {
    INFO(inner.uid_first << " +" << inner.uid_count);
    CHECK_THROWS_AS(check_uid_ranges_apart({{"default", &a}, {"x", &inner}}), ConfigError);
  }
  // Any two of them: the third against the second.
  Policy c = range("/p/c.toml", 901030, 5);
  e = error_of([&] { check_uid_ranges_apart({{"default", &a}, {"other", &touching}, {"c", &c}}); });
  CHECK(e.file() == "/p/c.toml");
  CHECK_THAT(e.what(), Catch::Contains("/p/other.toml"));
}

TEST_CASE("uids: a set of files whose tiers overlap is refused whole, naming both files", "[config][uids]") {
  FileSet same("other", 900000);  // the default tier's own range
  auto e = error_of([&] { load_daemon_files(same.config); });
  CHECK(e.file() == (same.config.policies_dir / "other.toml").string());
  CHECK(e.field() == "uids");
  CHECK(e.line() > 0);
  CHECK_THAT(e.what(), Catch::Contains("default.toml") && Catch::Contains("900000..901023"));

  FileSet inside("other", 900512);
  CHECK_THROWS_AS(load_daemon_files(inside.config), ConfigError);

  FileSet apart("other", 901024);
  DaemonFiles f = load_daemon_files(apart.config);
  CHECK(f.tiers.size() == 2);

  // The shipped tiers pass together, against this host's real /etc/passwd and /etc/group.
  FileSet shipped("untrusted", std::nullopt);
  DaemonFiles s = load_daemon_files(shipped.config);
  CHECK(s.tiers.at("untrusted").policy.uid_first == 910000);
}

TEST_CASE("uids: a range that holds a user or group of the host is refused", "[config][uids]") {
  TempDir dir;
  HostAccountFiles files{dir.path() / "passwd", dir.path() / "group"};
  write_file(files.passwd,
             "root:x:0:0:root:/root:/bin/bash\n"
             "# a comment: 900001\n"
             "+nisuser\n"
             "alice:x:900005:100:Alice,,,:/home/alice:/bin/sh\n"
             "bob:x:1000:900010::/home/bob:/bin/sh\n"
             "not an entry\n"
             "carol:x:notanumber:100::/:/bin/sh\n");
  write_file(files.group, "root:x:0:\nstaff:x:900020:alice,bob\n");
  auto accounts = read_host_accounts(files);
  auto has = [&](std::uint32_t id, const std::string& name, const std::string& kind) {
    for (const auto& a : accounts)
      if (a.id == id && a.name == name && a.kind == kind) return true;
    return false;
  };
  CHECK(has(0, "root", "uid"));
  CHECK(has(900005, "alice", "uid"));
  CHECK(has(900010, "bob", "primary gid"));
  CHECK(has(900020, "staff", "gid"));
  for (const auto& a : accounts) CHECK(a.id != 900001);  // the comment is no account

  CHECK_NOTHROW(check_uid_range_unowned(range("/p/a.toml", 900000, 5), accounts));  // ..900004
  auto e = error_of([&] { check_uid_range_unowned(range("/p/a.toml", 900000, 6), accounts); });
  CHECK(e.file() == "/p/a.toml");
  CHECK(e.field() == "uids");
  CHECK(e.line() == 7);
  CHECK_THAT(e.what(), Catch::Contains("uid 900005") && Catch::Contains("\"alice\"") &&
                           Catch::Contains(files.passwd.string()));
  e = error_of([&] { check_uid_range_unowned(range("/p/a.toml", 900006, 5), accounts); });  // ..900010
  CHECK_THAT(e.what(), Catch::Contains("primary gid 900010") && Catch::Contains("\"bob\""));
  e = error_of([&] { check_uid_range_unowned(range("/p/a.toml", 900011, 10), accounts); });  // ..900020
  CHECK_THAT(e.what(), Catch::Contains("gid 900020") && Catch::Contains("\"staff\"") &&
                           Catch::Contains(files.group.string()));
  CHECK_NOTHROW(check_uid_range_unowned(range("/p/a.toml", 900021, 100000), accounts));

  // Unreadable: fail closed.
  e = error_of([&] { read_host_accounts({dir.path() / "no-passwd", files.group}); });
  CHECK(e.file() == (dir.path() / "no-passwd").string());

  // Through the whole set: the default tier's 900000..901023 holds a user of this passwd.
  FileSet set("other", 910000);
  write_file(files.passwd, "root:x:0:0:root:/root:/bin/bash\nintruder:x:900700:900700::/:/bin/sh\n");
  e = error_of([&] { load_daemon_files(set.config, files); });
  CHECK(e.file() == (set.config.policies_dir / "default.toml").string());
  CHECK(e.field() == "uids");
  CHECK_THAT(e.what(), Catch::Contains("\"intruder\""));
  // ... and a group in the other tier's range.
  write_file(files.passwd, "root:x:0:0:root:/root:/bin/bash\n");
  write_file(files.group, "root:x:0:\nsomegroup:x:910003:\n");
  e = error_of([&] { load_daemon_files(set.config, files); });
  CHECK(e.file() == (set.config.policies_dir / "other.toml").string());
  CHECK_THAT(e.what(), Catch::Contains("\"somegroup\""));
  write_file(files.group, "root:x:0:\n");
  CHECK_NOTHROW(load_daemon_files(set.config, files));

  // By default the host's real files are read (root is in them).
  bool root_found = false;
  for (const auto& a : read_host_accounts())
    if (a.id == 0 && a.name == "root" && a.file == "/etc/passwd") root_found = true;
  CHECK(root_found);
}

TEST_CASE("uids: the version probes run as the default tier's first uid past the slots", "[config][uids]") {
  Policy p = range("/p/default.toml", 900000, 3);
  CHECK(probe_uid(p, 2) == 900002);
  for (std::uint32_t slot = 0; slot < 2; ++slot) CHECK(p.uid_first + slot != probe_uid(p, 2));
  auto e = error_of([&] { probe_uid(p, 3); });  // every uid is a slot's
  CHECK(e.file() == "/p/default.toml");
  CHECK(e.field() == "uids.count");
  CHECK_THAT(e.what(), Catch::Contains("version probes") && Catch::Contains("3 slots"));

  // Through the whole set: 1024 uids serve 1023 slots, not 1024 (another tier: 1024 slots).
  FileSet ok("other", 910000, 1023);
  CHECK_NOTHROW(load_daemon_files(ok.config));
  FileSet full("other", 910000, 1024);
  e = error_of([&] { load_daemon_files(full.config); });
  CHECK(e.file() == (full.config.policies_dir / "default.toml").string());
  CHECK(e.field() == "uids.count");
}
