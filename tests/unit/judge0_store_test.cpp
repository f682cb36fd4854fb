// The Judge0 submission store (SQLite in a temporary directory): rows per key, expiry, the bound,
// recovery of unfinished rows, a second opener refused, a corrupt file reported.
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "judge0/submission_store.hpp"
#include "test_env.hpp"

using namespace runbox::judge0;
using runbox::test::TempDir;
using namespace std::chrono_literals;

TEST_CASE("judge0 store: insert, find by its key only, update, remove", "[judge0]") {
  TempDir dir;
  SubmissionStore store(dir.path() / "sub" / "judge0.sqlite", 3600s, 10);
  REQUIRE_FALSE(store.problem());
  CHECK(store.insert("alice", {{"t1", 1, R"({"a":1})"}}) == SubmissionStore::Insert::ok);
  auto row = store.find("t1", "alice");
  REQUIRE(row);
  CHECK(row->status_id == 1);
  CHECK(row->document == R"({"a":1})");
  CHECK_FALSE(store.find("t1", "bob"));  // another key's token is not found
  CHECK_FALSE(store.find("t2", "alice"));
  CHECK(store.update("t1", 3, R"({"a":2})"));
  CHECK(store.find("t1", "alice")->status_id == 3);
  CHECK_FALSE(store.update("nope", 3, "{}"));
  CHECK(store.remove("t1"));
  CHECK_FALSE(store.find("t1", "alice"));
}

TEST_CASE("judge0 store: bounded in number, all of a batch or none", "[judge0]") {
  TempDir dir;
  SubmissionStore store(dir.path() / "s.sqlite", 3600s, 3);
  CHECK(store.insert("k", {{"a", 1, "{}"}, {"b", 1, "{}"}}) == SubmissionStore::Insert::ok);
  CHECK(store.insert("k", {{"c", 1, "{}"}, {"d", 1, "{}"}}) == SubmissionStore::Insert::full);
  CHECK_FALSE(store.find("c", "k"));
  CHECK(store.insert("k", {{"c", 1, "{}"}}) == SubmissionStore::Insert::ok);
  CHECK(store.size() == 3);
  CHECK(store.insert("k", {{"a", 1, "{}"}}) == SubmissionStore::Insert::full);
}

TEST_CASE("judge0 store: rows expire after the ttl and free their place", "[judge0]") {
  TempDir dir;
  SubmissionStore store(dir.path() / "s.sqlite", 1s, 1);
  CHECK(store.insert("k", {{"a", 3, "{}"}}) == SubmissionStore::Insert::ok);
  CHECK(store.find("a", "k"));
  std::this_thread::sleep_for(2100ms);
  CHECK_FALSE(store.find("a", "k"));
  CHECK(store.insert("k", {{"b", 3, "{}"}}) == SubmissionStore::Insert::ok);
}

TEST_CASE("judge0 store: survives reopening, and unfinished rows are recovered as finished", "[judge0]") {
  TempDir dir;
  const auto file = dir.path() / "s.sqlite";
  {
    SubmissionStore store(file, 3600s, 10);
    CHECK(store.insert("k", {{"queued", 1, "q"}, {"running", 2, "r"}, {"done", 3, "d"}}) == SubmissionStore::Insert::ok);
  }
  SubmissionStore again(file, 3600s, 10);
  REQUIRE_FALSE(again.problem());
  CHECK(again.recover(13, [](const std::string& d) { return d + "!"; }) == 2);
  CHECK(again.find("queued", "k")->status_id == 13);
  CHECK(again.find("queued", "k")->document == "q!");
  CHECK(again.find("running", "k")->document == "r!");
  CHECK(again.find("done", "k")->document == "d");
  CHECK(again.recover(13, [](const std::string& d) { return d; }) == 0);
}

TEST_CASE("judge0 store: a second opener and a corrupt file are problems, not crashes", "[judge0]") {
  TempDir dir;
  SubmissionStore first(dir.path() / "s.sqlite", 3600s, 10);
  REQUIRE_FALSE(first.problem());
  SubmissionStore second(dir.path() / "s.sqlite", 3600s, 10);
  CHECK(second.problem());
  CHECK(second.insert("k", {{"a", 1, "{}"}}) == SubmissionStore::Insert::failed);
  CHECK_FALSE(second.find("a", "k"));

  std::ofstream(dir.path() / "bad.sqlite") << std::string(4096, 'x');
  SubmissionStore corrupt(dir.path() / "bad.sqlite", 3600s, 10);
  REQUIRE(corrupt.problem());
  INFO(*corrupt.problem());
  CHECK(corrupt.problem()->find("bad.sqlite") != std::string::npos);
}
