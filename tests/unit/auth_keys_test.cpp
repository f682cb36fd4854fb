// API keys: the keys file (hashes only, strict fields, root's, mode 0600, no symlink), lookup in
// constant time, both header forms, and the token bucket.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "auth/key_set.hpp"
#include "auth/rate_limiter.hpp"
#include "config/config_error.hpp"
#include "test_env.hpp"

using namespace runbox::auth;
using runbox::config::ConfigError;
using runbox::test::TempDir;
using runbox::test::write_file;

namespace {

std::string entry(const std::string& name, const std::string& key, const std::string& extra = "") {
  return "[[key]]\nname = \"" + name + "\"\nsha256 = \"" + to_hex(sha256(key)) + "\"\n" + extra;
}

ConfigError parse_error(const std::string& text) {
  try {
    KeySet::parse(text, "keys.toml");
  } catch (const ConfigError& e) {
    return e;
  }
  FAIL("parsed but should not have:\n" << text);
  return ConfigError("", 0, "", "");
}

}  // namespace

TEST_CASE("auth: sha256 of a known text", "[auth]") {
  CHECK(to_hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(digest_from_hex(to_hex(sha256("abc"))) == sha256("abc"));
  CHECK_FALSE(digest_from_hex("xyz"));
  CHECK_FALSE(digest_from_hex(std::string(64, 'g')));
}

TEST_CASE("auth: a key is found by its hash, a wrong or empty key is not", "[auth]") {
  KeySet set = KeySet::parse(entry("frontend", "s3cret-key-1", "tier = \"default\"\nrate = 5\nburst = 7\n") +
                                 entry("grader", "s3cret-key-2", "tier = \"untrusted\"\n"),
                             "keys.toml");
  REQUIRE(set.all().size() == 2);
  const ApiKey* a = set.find("s3cret-key-1");
  REQUIRE(a);
  CHECK(a->name == "frontend");
  CHECK(a->rate == 5);
  CHECK(a->burst == 7);
  const ApiKey* b = set.find("s3cret-key-2");
  REQUIRE(b);
  CHECK(b->tier == "untrusted");
  CHECK(b->rate == 10);   // default
  CHECK(b->burst == 20);  // default: twice the rate
  CHECK(set.find("s3cret-key-3") == nullptr);
  CHECK(set.find("") == nullptr);
  CHECK(set.find(to_hex(sha256("s3cret-key-1"))) == nullptr);  // the hash is not the key
}

TEST_CASE("auth: bad key files name the line and field", "[auth]") {
  auto e = parse_error(entry("a", "k1") + "[[key]]\nname = \"a\"\nsha256 = \"" + to_hex(sha256("k2")) + "\"\n");
  CHECK(e.field() == "key[1].name");
  CHECK(e.line() == 5);
  e = parse_error("[[key]]\nname = \"a\"\nsha256 = \"abc\"\n");
  CHECK(e.field() == "key[0].sha256");
  CHECK(e.line() == 3);
  e = parse_error(entry("a", "k1") + entry("b", "k1"));
  CHECK(e.field() == "key[1].sha256");
  e = parse_error(entry("a", "k1", "rate = 0\n"));
  CHECK(e.field() == "key[0].rate");
  e = parse_error(entry("a", "k1", "burst = 0.5\n"));
  CHECK(e.field() == "key[0].burst");
  e = parse_error(entry("a", "k1", "key = \"plaintext\"\n"));
  CHECK(e.field() == "key[0].key");
  e = parse_error(entry("a b", "k1"));
  CHECK(e.field() == "key[0].name");
  e = parse_error(entry("a", "k1", "tier = \"../etc\"\n"));
  CHECK(e.field() == "key[0].tier");
}

TEST_CASE("auth: a keys file others can read is refused", "[auth]") {
  TempDir dir;
  auto file = dir.path() / "keys.toml";
  write_file(file, entry("a", "k1"));
  ::chmod(file.c_str(), 0644);
  try {
    KeySet::load(file);
    FAIL("a 0644 keys file loaded");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("chmod 600") != std::string::npos);
  }
  ::chmod(file.c_str(), 0600);
  CHECK(KeySet::load(file).all().size() == 1);
}

TEST_CASE("auth: a keys file not owned by root, a symlink or not a regular file is refused", "[auth]") {
  runbox::test::require_root();  // chown
  TempDir dir;
  auto file = dir.path() / "keys.toml";
  write_file(file, entry("a", "k1"), 0600);
  REQUIRE(KeySet::load(file).all().size() == 1);  // root's, 0600: fine
  auto error_of = [](const std::filesystem::path& f) -> std::string {
    try {
      KeySet::load(f);
    } catch (const ConfigError& e) {
      CHECK(e.file() == f.string());
      return e.what();
    }
    return "(loaded)";
  };

  // Another user's file, even at mode 0600: that user could rewrite the keys.
  REQUIRE(::chown(file.c_str(), 4321, 4321) == 0);
  std::string why = error_of(file);
  REQUIRE_THAT(why, Catch::Contains("owned by root") && Catch::Contains("uid 4321"));
  REQUIRE(::chown(file.c_str(), 0, 0) == 0);

  // A symlink to a good file: refused (its target is not what was named).
  auto link = dir.path() / "link.toml";
  std::filesystem::create_symlink(file, link);
  why = error_of(link);
  REQUIRE_THAT(why, Catch::Contains("symbolic link"));

  // A FIFO is not read (it would block the daemon until someone writes).
  auto fifo = dir.path() / "fifo.toml";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THAT(error_of(fifo), Catch::Contains("not a regular file"));
  CHECK_THAT(error_of(dir.path() / "missing.toml"), Catch::Contains("cannot open") && Catch::Contains("No such file"));
}

TEST_CASE("auth: Bearer and X-API-Key both present a key", "[auth]") {
  CHECK(presented_key("Bearer abc", "") == "abc");
  CHECK(presented_key("bearer  abc ", "") == "abc");
  CHECK(presented_key("", "xyz") == "xyz");
  CHECK(presented_key("Basic Zm9vOmJhcg==", "xyz") == "xyz");
  CHECK_FALSE(presented_key("Basic Zm9vOmJhcg==", ""));
  CHECK_FALSE(presented_key("Bearer ", ""));
  CHECK_FALSE(presented_key("", ""));
}

TEST_CASE("auth: the token bucket allows the burst, then the rate, and says when to retry", "[auth]") {
  RateLimiter limiter;
  auto t0 = RateLimiter::Clock::now();
  // rate 2/s, burst 3: three at once, the fourth waits.
  CHECK_FALSE(limiter.take("k", 2, 3, t0));
  CHECK_FALSE(limiter.take("k", 2, 3, t0));
  CHECK_FALSE(limiter.take("k", 2, 3, t0));
  auto retry = limiter.take("k", 2, 3, t0);
  REQUIRE(retry);
  CHECK(*retry == 1);
  // Another key has its own bucket.
  CHECK_FALSE(limiter.take("other", 2, 3, t0));
  // Half a second later one token is back, exactly one.
  auto t1 = t0 + std::chrono::milliseconds(500);
  CHECK_FALSE(limiter.take("k", 2, 3, t1));
  CHECK(limiter.take("k", 2, 3, t1));
  // A slow rate says how many seconds: rate 0.1/s → 10 s for a token.
  CHECK_FALSE(limiter.take("slow", 0.1, 1, t0));
  auto slow = limiter.take("slow", 0.1, 1, t0);
  REQUIRE(slow);
  CHECK(*slow == 10);
}

TEST_CASE("auth: [[keys]] and hash = \"sha256:...\" are accepted too", "[auth]") {
  KeySet set = KeySet::parse("[[keys]]\nname = \"a\"\nhash = \"sha256:" + to_hex(sha256("k1")) + "\"\n", "keys.toml");
  REQUIRE(set.all().size() == 1);
  CHECK(set.find("k1"));
  auto e = parse_error(entry("a", "k1") + "[[keys]]\nname = \"b\"\nhash = \"" + to_hex(sha256("k2")) + "\"\n");
  CHECK(e.field() == "keys");
}

TEST_CASE("auth: admin = true or tier = \"admin\" makes an admin key, others are not", "[auth]") {
  KeySet set = KeySet::parse(entry("ops", "k-ops", "admin = true\n") + entry("root", "k-root", "tier = \"admin\"\n") +
                                 entry("user", "k-user", "tier = \"untrusted\"\n") +
                                 entry("plain", "k-plain", "admin = false\n"),
                             "keys.toml");
  CHECK(set.find("k-ops")->admin);
  CHECK(set.find("k-ops")->tier == "default");
  CHECK(set.find("k-root")->admin);
  CHECK_FALSE(set.find("k-user")->admin);
  CHECK_FALSE(set.find("k-plain")->admin);
  CHECK(parse_error(entry("a", "k1", "admin = \"yes\"\n")).field() == "key[0].admin");
}
