// Usage statistics (daemon/stats): the [stats] table, the SQLite store in a temporary directory
// (insert, window, retention, size bound, a corrupt or locked file), nearest-rank percentiles,
// the writer's bounded queue and reconfiguration, and the query's hours and answer shape.
#include <catch2/catch.hpp>
#include <fstream>

#include "config/daemon_config.hpp"
#include "config_refusal.hpp"
#include "stats/stats_query.hpp"
#include "stats/stats_store.hpp"
#include "stats/stats_summary.hpp"
#include "stats/stats_writer.hpp"
#include "test_env.hpp"

using namespace runbox::stats;
using runbox::config::StatsConfig;
using runbox::test::config_refusal;
using runbox::test::TempDir;

namespace {

constexpr std::int64_t kHour = 3600000;
constexpr std::int64_t kNow = 1800000000000;  // 2027-01-15

RunStat row(std::int64_t time_ms, const std::string& key, const std::string& runtime, const std::string& status,
            std::uint64_t wall_ms, std::uint64_t cpu_ms = 1, std::uint64_t memory_kb = 1000) {
  RunStat r;
  r.time_ms = time_ms;
  r.key = key;
  r.tier = "default";
  r.runtime = runtime;
  r.backend = "native";
  r.status = status;
  r.success = status == "ok";
  r.wall_ms = wall_ms;
  r.cpu_ms = cpu_ms;
  r.memory_kb = memory_kb;
  r.queue_wait_ms = 2;
  return r;
}

StatsConfig config_at(const std::filesystem::path& path, std::uint32_t queue = 100) {
  StatsConfig c;
  c.path = path;
  c.queue = queue;
  return c;
}

}  // namespace

TEST_CASE("stats config: defaults, every key, relative path beside the file") {
  const auto d = runbox::config::parse_daemon_config("", "runboxd.toml", "/etc/runbox").stats;
  CHECK(d.enabled);
  CHECK(d.path == "/var/lib/runbox/stats.sqlite");
  CHECK(d.retention_days == 30);
  CHECK(d.max_mb == 64);
  CHECK(d.queue == 4096);
  const auto c = runbox::config::parse_daemon_config(
                     "[stats]\nenabled = false\npath = \"s.sqlite\"\nretention_days = 7\nmax_mb = 5\nqueue = 10\n",
                     "runboxd.toml", "/etc/runbox")
                     .stats;
  CHECK_FALSE(c.enabled);
  CHECK(c.path == "/etc/runbox/s.sqlite");
  CHECK(c.retention_days == 7);
  CHECK(c.max_mb == 5);
  CHECK(c.queue == 10);
}

TEST_CASE("stats config: bad values are refused with the field") {
  CHECK_THAT(config_refusal("[stats]\nretain = 3\n"), Catch::Contains("stats.retain"));
  CHECK_THAT(config_refusal("[stats]\nretention_days = 0\n"), Catch::Contains("stats.retention_days"));
  CHECK_THAT(config_refusal("[stats]\nretention_days = 5000\n"), Catch::Contains("stats.retention_days"));
  CHECK_THAT(config_refusal("[stats]\nmax_mb = 0\n"), Catch::Contains("stats.max_mb"));
  CHECK_THAT(config_refusal("[stats]\nqueue = 0\n"), Catch::Contains("stats.queue"));
  CHECK_THAT(config_refusal("[stats]\npath = \"\"\n"), Catch::Contains("stats.path"));
  CHECK_THAT(config_refusal("[stats]\nenabled = 1\n"), Catch::Contains("stats.enabled"));
}

TEST_CASE("stats store: rows inserted and read back by window and by key, across a reopen") {
  TempDir dir;
  const auto file = dir.path() / "sub" / "stats.sqlite";
  {
    StatsStore store(file);
    REQUIRE_FALSE(store.problem());
    REQUIRE(store.insert({row(kNow - 30 * kHour, "alice", "python3", "ok", 10),
                          row(kNow - 2 * kHour, "alice", "python3", "runtime_error", 20),
                          row(kNow - 1 * kHour, "bob", "c", "ok", 30)}));
    CHECK(store.rows() == 3);
  }
  StatsStore store(file);  // what a restarted daemon finds
  REQUIRE_FALSE(store.problem());
  auto day = store.samples(kNow - 24 * kHour, nullptr);
  REQUIRE(day);
  CHECK(day->size() == 2);
  auto all = store.samples(kNow - 48 * kHour, nullptr);
  REQUIRE(all);
  CHECK(all->size() == 3);
  const std::string alice = "alice";
  auto own = store.samples(kNow - 48 * kHour, &alice);
  REQUIRE(own);
  REQUIRE(own->size() == 2);
  for (const auto& s : *own) CHECK(s.runtime == "python3");
}

TEST_CASE("stats store: retention deletes rows older than the window") {
  TempDir dir;
  StatsStore store(dir.path() / "stats.sqlite");
  REQUIRE(store.insert({row(kNow - 31 * 24 * kHour, "k", "python3", "ok", 1), row(kNow - 29 * 24 * kHour, "k", "python3", "ok", 2),
                        row(kNow, "k", "python3", "ok", 3)}));
  auto pruned = store.prune(kNow, 30, 64ull << 20);
  REQUIRE(pruned);
  CHECK(pruned->expired == 1);
  CHECK(pruned->over_size == 0);
  CHECK(store.rows() == 2);
  pruned = store.prune(kNow, 1, 64ull << 20);
  CHECK(pruned->expired == 1);
  CHECK(store.rows() == 1);
}

TEST_CASE("stats store: over the size bound the oldest rows go and the file shrinks") {
  TempDir dir;
  const auto file = dir.path() / "stats.sqlite";
  StatsStore store(file);
  std::vector<RunStat> rows;
  for (int i = 0; i < 20000; ++i) rows.push_back(row(kNow - 20000 + i, "key-" + std::to_string(i % 7), "python3", "ok", i));
  REQUIRE(store.insert(rows));
  const std::uint64_t before = store.used_bytes();
  REQUIRE(before > 1000000);  // the bound below is well under what 20000 rows take
  const std::uint64_t bound = 256 * 1024;
  auto pruned = store.prune(kNow, 30, bound);
  REQUIRE(pruned);
  CHECK(pruned->expired == 0);
  CHECK(pruned->over_size > 0);
  CHECK(store.used_bytes() <= bound);
  CHECK(store.rows() == 20000 - pruned->over_size);
  CHECK(std::filesystem::file_size(file) <= bound + 64 * 1024);  // pages given back, WAL truncated
  // The newest rows are the ones kept.
  auto kept = store.samples(0, nullptr);
  REQUIRE(kept);
  std::uint64_t oldest = UINT64_MAX;
  for (const auto& s : *kept) oldest = std::min(oldest, s.wall_ms);
  CHECK(oldest == pruned->over_size);
}

TEST_CASE("stats store: a file that is not a database is reported, not used") {
  TempDir dir;
  const auto file = dir.path() / "stats.sqlite";
  {
    std::ofstream out(file);
    for (int i = 0; i < 200; ++i) out << "this is not an SQLite database at all ";
  }
  StatsStore store(file);
  REQUIRE(store.problem());
  CHECK_THAT(*store.problem(), Catch::Contains("stats.sqlite") && Catch::Contains("not a database"));
  CHECK_FALSE(store.insert({row(kNow, "k", "python3", "ok", 1)}));
  CHECK_FALSE(store.samples(0, nullptr));
  CHECK(store.rows() == 0);
}

TEST_CASE("stats store: a second opener finds the file locked") {
  TempDir dir;
  const auto file = dir.path() / "stats.sqlite";
  StatsStore first(file);
  REQUIRE_FALSE(first.problem());
  StatsStore second(file);
  REQUIRE(second.problem());
  CHECK_THAT(*second.problem(), Catch::Contains("locked"));
  CHECK(first.insert({row(kNow, "k", "python3", "ok", 1)}));  // the owner goes on
}

TEST_CASE("stats summary: nearest-rank percentiles") {
  std::vector<std::uint64_t> v;
  CHECK(nearest_rank(v, 50) == 0);
  for (std::uint64_t i = 100; i >= 1; --i) v.push_back(i);  // 1..100, unsorted
  CHECK(nearest_rank(v, 50) == 50);
  CHECK(nearest_rank(v, 90) == 90);
  CHECK(nearest_rank(v, 99) == 99);
  std::vector<std::uint64_t> three{30, 10, 20};
  CHECK(nearest_rank(three, 50) == 20);  // rank ceil(1.5) = 2
  CHECK(nearest_rank(three, 90) == 30);  // rank ceil(2.7) = 3
  std::vector<std::uint64_t> one{7};
  CHECK(nearest_rank(one, 1) == 7);
}

TEST_CASE("stats summary: per runtime and per status, success rate, memory mean and max") {
  std::vector<Sample> s{{"python3", "ok", true, 10, 5, 1000},
                        {"python3", "ok", true, 20, 6, 3000},
                        {"python3", "runtime_error", false, 40, 7, 2000},
                        {"c", "time_limit", false, 1000, 900, 500}};
  const Summary sum = summarize(s);
  REQUIRE(sum.size() == 2);
  const auto& py = sum.at("python3");
  CHECK(py.all.count == 3);
  CHECK(py.all.success_rate == Approx(2.0 / 3));
  CHECK(py.all.wall_ms.p50 == 20);
  CHECK(py.all.wall_ms.p99 == 40);
  CHECK(py.all.cpu_ms.p90 == 7);
  CHECK(py.all.memory_kb_mean == Approx(2000));
  CHECK(py.all.memory_kb_max == 3000);
  REQUIRE(py.statuses.size() == 2);
  CHECK(py.statuses.at("ok").count == 2);
  CHECK(py.statuses.at("ok").success_rate == 1);
  CHECK(py.statuses.at("runtime_error").success_rate == 0);
  CHECK(sum.at("c").all.wall_ms.p50 == 1000);
  const auto json = runtimes_json(sum);
  const auto& o = json.at("python3").as_object();
  CHECK(o.at("count").as_uint64() == 3);
  CHECK(o.at("success_rate").as_double() == Approx(0.6667));
  CHECK(o.at("wall_ms").at("p90").as_uint64() == 40);
  CHECK(o.at("memory_kb").at("max").as_uint64() == 3000);
  CHECK(o.at("statuses").at("ok").at("count").as_uint64() == 2);
  CHECK(rfc3339_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(rfc3339_utc(kNow) == "2027-01-15T08:00:00Z");
}

TEST_CASE("stats query: hours is an integer within the retention, nothing else is asked") {
  CHECK(std::get<unsigned>(parse_hours("", 30)) == 24);
  CHECK(std::get<unsigned>(parse_hours("hours=1", 30)) == 1);
  CHECK(std::get<unsigned>(parse_hours("hours=720", 30)) == 720);
  CHECK(std::get<unsigned>(parse_hours("", 1)) == 24);
  for (const char* bad : {"hours=0", "hours=721", "hours=abc", "hours=", "hours=1.5", "hours=-3", "hours=24&hours=2"}) {
    auto r = parse_hours(bad, 30);
    REQUIRE(std::holds_alternative<QueryRefusal>(r));
    CHECK(std::get<QueryRefusal>(r).status == 400);
    CHECK(std::get<QueryRefusal>(r).code == "invalid_hours");
    CHECK_THAT(std::get<QueryRefusal>(r).message, Catch::Contains("1 to 720"));
  }
  auto other = parse_hours("days=2", 30);
  REQUIRE(std::holds_alternative<QueryRefusal>(other));
  CHECK(std::get<QueryRefusal>(other).code == "invalid_request");
}

TEST_CASE("stats writer: queued off the caller's thread, a full queue drops and counts") {
  TempDir dir;
  int dropped = 0, errors = 0;
  StatsWriter writer({[&] { ++dropped; }, [&] { ++errors; }});
  writer.configure(config_at(dir.path() / "stats.sqlite", 3));
  // Not started yet: the queue fills and the fourth record is dropped, without waiting.
  for (int i = 0; i < 3; ++i) CHECK(writer.submit(row(unix_ms_now(), "k", "python3", "ok", 1)));
  CHECK_FALSE(writer.submit(row(unix_ms_now(), "k", "python3", "ok", 1)));
  CHECK(dropped == 1);
  writer.start();
  writer.wait_idle();
  CHECK(writer.store()->rows() == 3);
  CHECK(errors == 0);
  auto answer = query_window(writer, "hours=1", std::nullopt, unix_ms_now());
  REQUIRE(std::holds_alternative<boost::json::object>(answer));
  const auto& o = std::get<boost::json::object>(answer);
  CHECK(o.at("available").as_bool());
  CHECK(o.at("hours").to_number<std::int64_t>() == 1);
  CHECK(o.at("count").as_uint64() == 3);
  CHECK(o.at("key").is_null());
  CHECK(o.at("since").as_string().size() == 20);
  CHECK(o.at("runtimes").at("python3").at("statuses").at("ok").at("count").as_uint64() == 3);
  auto none = query_window(writer, "", std::string("nobody"), unix_ms_now());
  CHECK(std::get<boost::json::object>(none).at("count").as_uint64() == 0);
}

TEST_CASE("stats writer: a reload keeps the store, a repaired file is opened again, disabled answers 404") {
  TempDir dir;
  const auto file = dir.path() / "stats.sqlite";
  {
    std::ofstream out(file);
    for (int i = 0; i < 200; ++i) out << "garbage garbage garbage ";
  }
  StatsWriter writer;
  writer.configure(config_at(file));
  writer.start();
  CHECK_FALSE(writer.submit(row(unix_ms_now(), "k", "python3", "ok", 1)));  // unavailable: not queued
  auto unavailable = query_window(writer, "", std::nullopt, unix_ms_now());
  REQUIRE(std::holds_alternative<QueryRefusal>(unavailable));
  CHECK(std::get<QueryRefusal>(unavailable).status == 503);
  CHECK(std::get<QueryRefusal>(unavailable).code == "stats_unavailable");
  CHECK_THAT(std::get<QueryRefusal>(unavailable).message, Catch::Contains("not a database"));

  std::filesystem::remove(file);  // the operator removes the broken file and reloads
  writer.configure(config_at(file));
  REQUIRE(writer.store());
  REQUIRE_FALSE(writer.store()->problem());
  CHECK(writer.submit(row(unix_ms_now(), "k", "python3", "ok", 1)));
  writer.wait_idle();
  auto kept = writer.store();
  StatsConfig longer = config_at(file);
  longer.retention_days = 60;
  writer.configure(longer);  // same file: the same open store, new settings
  CHECK(writer.store() == kept);
  CHECK(std::get<unsigned>(parse_hours("hours=1440", writer.config().retention_days)) == 1440);
  CHECK(writer.store()->rows() == 1);

  StatsConfig off = longer;
  off.enabled = false;
  writer.configure(off);
  CHECK_FALSE(writer.submit(row(unix_ms_now(), "k", "python3", "ok", 1)));
  auto disabled = query_window(writer, "", std::nullopt, unix_ms_now());
  REQUIRE(std::holds_alternative<QueryRefusal>(disabled));
  CHECK(std::get<QueryRefusal>(disabled).status == 404);
}
