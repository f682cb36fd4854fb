// The system and admin endpoints on the real daemon: GET /v1/system's facts checked against the
// host's own; 403 for keys that are not admin; POST /v1/admin/cleanup removing planted leftovers
// of dead processes and leaving live ones alone ([admin]); and, with a Docker engine, an admin
// pull of an image made here as a background job that ends with the runtime using it probed
// ready, plus the container sweep ([admin_pull]).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "api_helpers.hpp"
#include "daemon_process.hpp"
#include "docker_support.hpp"
#include "ops_support.hpp"

using namespace runbox::test;
namespace fs = std::filesystem;

namespace {

const std::string kAdmin = "rb_admin_3c9e1f7a5b2d8e40";
const std::string kUser = "rb_user_7d2a9c4e1f6b3a58";


HttpResponse call(std::uint16_t port, const std::string& method, const std::string& target, const std::string& key,
                  const std::string& body = "") {
  return http_request(port, method, target, body, bearer(key), std::chrono::seconds(60));
}

json::object object_of(const HttpResponse& r) {
  INFO(r.status << " " << r.body);
  auto v = json::parse(r.body);
  REQUIRE(v.is_object());
  return v.as_object();
}

void check_error_body(const HttpResponse& r, int status, const std::string& code) {
  INFO(r.status << " " << r.body);
  CHECK(r.status == status);
  CHECK(r.header("content-type") == "application/json");
  auto v = json::parse(r.body);
  CHECK(v.at("error").at("code") == code.c_str());
  CHECK(!v.at("error").at("message").as_string().empty());
}

// Field 22 of /proc/self/stat: this process's start time in clock ticks, as run names carry it.
std::string own_start_time() {
  std::ifstream in("/proc/self/stat");
  std::string stat;
  std::getline(in, stat);
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string f;
  for (int i = 3; i <= 22 && fields >> f; ++i) {
  }
  return f;
}

// A run name of this (live) test process, and one of "this pid with another start time": what a
// crashed process whose pid was reused leaves.
std::string live_run_name() { return "run-" + std::to_string(::getpid()) + "-" + own_start_time() + "-900"; }
std::string dead_run_name() { return "run-" + std::to_string(::getpid()) + "-1" + own_start_time() + "-901"; }

// A daemon of the test's own: keys "admin" (tier admin) and "user"; its images root and tarball
// cache in a temporary directory; one runtime, "admintest", whose image is made by the pull
// test (a static rbprobe at /rbprobe; its version is what `rbprobe ids` prints).
struct AdminDaemon {
  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
  fs::path rootfs() const { return dir.path() / "rootfs"; }
  fs::path cache() const { return dir.path() / "cache"; }
  AdminDaemon() {
    write_keys_file(dir.path() / "keys.toml", {{"admin", kAdmin, "admin"}, {"user", kUser}});
    fs::create_directories(dir.path() / "runtimes");
    write_file(dir.path() / "runtimes" / "admintest.toml",
               "name = \"admintest\"\nimage = \"admintest\"\nsource_file = \"main.txt\"\n"
               "run = [\"/rbprobe\", \"ids\"]\nversion = [\"/rbprobe\", \"ids\"]\n");
    // The policies without their per-runtime sections: they name runtimes this daemon lacks.
    const fs::path policies = copy_policies(dir.path());
    for (const auto& entry : fs::directory_iterator(policies)) {
      if (entry.path().extension() != ".toml") continue;
      const std::string text = read_file(entry.path());
      write_file(entry.path(), text.substr(0, text.find("\n[runtime.")) + "\n");
    }
    fs::create_directories(rootfs());
    fs::create_directories(cache());
    write_file(dir.path() / "runboxd.toml", "keys = \"keys.toml\"\nimages_root = \"" + rootfs().string() +
                                                "\"\nimage_cache = \"" + cache().string() + "\"\n");
    DaemonOptions o;
    o.slots = 2;
    o.config = dir.path() / "runboxd.toml";
    o.runtimes_dir = dir.path() / "runtimes";
    o.policies_dir = policies;
    daemon = std::make_unique<DaemonProcess>(o);
  }
};

AdminDaemon& admin_daemon() {
  require_root();
  static AdminDaemon d;
  return d;
}

json::object system_info(std::uint16_t port) {
  auto r = call(port, "GET", "/v1/system", kUser);
  REQUIRE(r.status == 200);
  return object_of(r);
}

const json::object* find_named(const json::value& list, const std::string& name) {
  for (const auto& item : list.as_array())
    if (item.at("name") == name.c_str()) return &item.as_object();
  return nullptr;
}

}  // namespace

TEST_CASE("admin: GET /v1/system tells the host's facts, backends, runtimes, slots and queue", "[admin]") {
  auto& d = admin_daemon();
  const std::uint16_t port = d.daemon->port();
  check_error_body(http_get(port, "/v1/system"), 401, "unauthorized");
  const json::object s = system_info(port);
  INFO(json::serialize(s));

  CHECK(!s.at("version").as_string().empty());
  utsname u{};
  REQUIRE(::uname(&u) == 0);
  CHECK(s.at("kernel").at("release") == u.release);
  CHECK(s.at("kernel").at("machine") == u.machine);
  const std::string layout(s.at("cgroups").at("layout").as_string());
  CHECK((layout == "v2" || layout == "hybrid" || layout == "v1"));
  CHECK(!s.at("cgroups").at("run_parents").as_array().empty());

  const auto online = s.at("cpus").at("online").as_int64(), usable = s.at("cpus").at("usable").as_int64();
  CHECK(online == ::sysconf(_SC_NPROCESSORS_ONLN));
  CHECK(usable >= 1);
  CHECK(usable <= online);
  const auto total = s.at("memory").at("total_bytes").to_number<std::uint64_t>();
  const auto available = s.at("memory").at("available_bytes").to_number<std::uint64_t>();
  CHECK(total > (64ull << 20));
  CHECK(available > 0);
  CHECK(available <= total);
  for (const char* k : {"1m", "5m", "15m"}) CHECK(s.at("load").at(k).to_number<double>() >= 0);
  CHECK(s.at("disk").at("path") == d.rootfs().c_str());
  CHECK(s.at("disk").at("measured") == d.rootfs().c_str());
  CHECK(s.at("disk").at("free_bytes").to_number<std::uint64_t>() > 0);
  CHECK(s.at("disk").at("free_bytes").to_number<std::uint64_t>() <= s.at("disk").at("total_bytes").to_number<std::uint64_t>());

  const std::string native(s.at("backends").at("native").at("state").as_string());
  CHECK((native == "ok" || native == "unavailable"));
  const auto& docker = s.at("backends").at("docker").as_object();
  CHECK(docker.at("state") == (docker_engine_answers() ? "ok" : "unavailable"));
  CHECK(docker.at("oci_runtimes").is_array());

  CHECK(s.at("slots").at("total") == 2);
  CHECK(s.at("slots").at("busy") == 0);
  CHECK(s.at("queue").at("length") == 0);
  CHECK(s.at("queue").at("bound") == 8);  // 4 x slots
  // The one runtime; its image is not there (until the pull test makes it).
  const json::object* rt = find_named(s.at("runtimes"), "admintest");
  REQUIRE(rt);
  CHECK(rt->at("image") == "admintest");
  if (!find_named(s.at("images"), "admintest")) {
    CHECK(rt->at("state") == "unavailable");
    CHECK(rt->at("error").as_string().find("admintest") != std::string::npos);
  }
  // An admin key reads the same; a POST is not a GET.
  CHECK(call(port, "GET", "/v1/system", kAdmin).status == 200);
  check_error_body(call(port, "POST", "/v1/system", kAdmin, "{}"), 405, "method_not_allowed");
}

TEST_CASE("admin: keys that are not admin get 403 forbidden on every admin endpoint", "[admin]") {
  auto& d = admin_daemon();
  const std::uint16_t port = d.daemon->port();
  const std::string pull = R"({"reference": "runbox/python:latest", "name": "python"})";
  for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/v1/admin/images/pull"}, {"POST", "/v1/admin/cleanup"}, {"GET", "/v1/admin/jobs/0123456789abcdef"}}) {
    INFO(method << " " << target);
    const auto r = call(port, method, target, kUser, method == "POST" ? pull : "");
    check_error_body(r, 403, "forbidden");
    CHECK(r.body.find("admin") != std::string::npos);
    check_error_body(http_request(port, method, target, method == "POST" ? pull : ""), 401, "unauthorized");
  }
  // The admin key gets past: an unknown job is 404, a bad body 400, a wrong method 405.
  check_error_body(call(port, "GET", "/v1/admin/jobs/0123456789abcdef", kAdmin), 404, "not_found");
  check_error_body(call(port, "POST", "/v1/admin/images/pull", kAdmin, "{"), 400, "invalid_json");
  check_error_body(call(port, "POST", "/v1/admin/images/pull", kAdmin, R"({"name": "x"})"), 400, "invalid_request");
  check_error_body(call(port, "POST", "/v1/admin/images/pull", kAdmin, R"({"reference": "a:b", "name": "../x"})"), 400,
                   "invalid_request");
  check_error_body(call(port, "POST", "/v1/admin/images/pull", kAdmin, R"({"reference": "a:b", "pull": "sometimes"})"),
                   400, "invalid_request");
  check_error_body(call(port, "POST", "/v1/admin/images/pull", kAdmin, R"({"reference": "a:b", "tag": "x"})"), 400,
                   "unknown_field");
  check_error_body(call(port, "POST", "/v1/admin/images/pull", kAdmin, R"({"reference": "a:b", "labels": {"k": 1}})"),
                   400, "invalid_request");
  check_error_body(call(port, "GET", "/v1/admin/cleanup", kAdmin), 405, "method_not_allowed");
}

TEST_CASE("admin: cleanup removes what dead processes and old images left, and nothing live", "[admin]") {
  auto& d = admin_daemon();
  const std::uint16_t port = d.daemon->port();
  const json::object s = system_info(port);

  // Run cgroups, in every hierarchy runs use: one of a dead creator, one of a live one.
  std::vector<fs::path> dead, live;
  for (const auto& parent : s.at("cgroups").at("run_parents").as_array()) {
    const fs::path p(std::string(parent.as_string()));
    fs::create_directories(p);
    dead.push_back(p / dead_run_name());
    live.push_back(p / live_run_name());
  }
  // Work directories under /run/runbox/work, likewise.
  const fs::path work = "/run/runbox/work";
  fs::create_directories(work);
  dead.push_back(work / dead_run_name());
  live.push_back(work / live_run_name());
  for (const auto& p : dead) REQUIRE(fs::create_directory(p));
  for (const auto& p : live) REQUIRE(fs::create_directory(p));

  // Retired image trees: one retired long ago, one just now (still in its grace period).
  const fs::path retired = d.rootfs() / ".retired";
  fs::create_directories(retired / "old-1000000000-AbCdEf" / "usr");
  write_file(retired / "old-1000000000-AbCdEf" / "usr" / "file", "x");
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  const fs::path fresh = retired / ("new-" + std::to_string(now.count()) + "-GhIjKl");
  fs::create_directories(fresh);

  // Tarballs: "kept" is an image made from recipe key fedcba9876543210; its other key and an
  // image that does not exist are unused; a file of another form is not a tarball of ours.
  fs::create_directories(d.rootfs() / "kept");
  fs::create_directories(d.rootfs() / ".meta");
  write_file(d.rootfs() / ".meta" / "kept.json",
             R"({"name": "kept", "source": "/x.tar", "imported_at": "2026-12-01T00:00:00Z", "size_bytes": 1,
                 "entries": 1, "skipped": 0, "labels": {"recipe": "fedcba9876543210"}, "image_id": "",
                 "digest": "", "reference": "", "config": null, "image_size_bytes": 0})");
  const fs::path kept_tar = d.cache() / "kept-fedcba9876543210.tar";
  const fs::path old_tar = d.cache() / "kept-0123456789abcdef.tar";
  const fs::path ghost_tar = d.cache() / "ghost-0123456789abcdef.tar";
  const fs::path other = d.cache() / "kept.imported";
  for (const auto& f : {kept_tar, old_tar, ghost_tar, other}) write_file(f, "tar");

  // While scripts/lib/images.sh holds the cache's lock, no tarball is touched.
  {
    const int lock = ::open((d.cache() / ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    REQUIRE(lock >= 0);
    REQUIRE(::flock(lock, LOCK_EX) == 0);
    const auto locked = call(port, "POST", "/v1/admin/cleanup", kAdmin);
    ::close(lock);
    REQUIRE(locked.status == 200);
    const json::object o = object_of(locked);
    CHECK(o.at("removed").at("tarballs").as_array().empty());
    CHECK(json::serialize(o.at("notes")).find(".lock is held") != std::string::npos);
    CHECK(fs::exists(ghost_tar));
  }

  const auto r = call(port, "POST", "/v1/admin/cleanup", kAdmin);
  REQUIRE(r.status == 200);
  const json::object o = object_of(r);
  INFO(r.body);
  auto listed = [&](const char* kind, const fs::path& p) {
    for (const auto& item : o.at("removed").at(kind).as_array())
      if (item == p.c_str()) return true;
    return false;
  };
  // (The first cleanup above already removed the cgroups and directories: both answers count.)
  for (const auto& p : dead) CHECK(!fs::exists(p));
  for (const auto& p : live) {
    CHECK(fs::exists(p));
    CHECK(!listed("cgroups", p));
    CHECK(!listed("directories", p));
  }
  CHECK(!fs::exists(retired / "old-1000000000-AbCdEf"));
  CHECK(fs::exists(fresh));
  CHECK(listed("tarballs", old_tar));
  CHECK(listed("tarballs", ghost_tar));
  CHECK(!fs::exists(old_tar));
  CHECK(!fs::exists(ghost_tar));
  CHECK(fs::exists(kept_tar));
  CHECK(fs::exists(other));
  for (const char* kind : {"cgroups", "directories", "containers", "image_trees", "tarballs"})
    CHECK(o.at("removed").at(kind).is_array());

  // Again: nothing of ours is left to remove.
  const json::object again = object_of(call(port, "POST", "/v1/admin/cleanup", kAdmin));
  for (const auto& p : live) CHECK(fs::exists(p));
  CHECK(again.at("removed").at("image_trees").as_array().empty());
  CHECK(again.at("removed").at("tarballs").as_array().empty());
  for (const auto& p : live) fs::remove(p);
}

TEST_CASE("admin: cleanup's first answer lists the dead processes' cgroups and directories", "[admin]") {
  auto& d = admin_daemon();
  const std::uint16_t port = d.daemon->port();
  const json::object s = system_info(port);
  std::vector<std::pair<const char*, fs::path>> planted;
  for (const auto& parent : s.at("cgroups").at("run_parents").as_array())
    planted.emplace_back("cgroups", fs::path(std::string(parent.as_string())) / (dead_run_name() + "7"));
  planted.emplace_back("directories", fs::path("/run/runbox/work") / (dead_run_name() + "7"));
  for (const auto& [kind, p] : planted) REQUIRE(fs::create_directory(p));
  const json::object o = object_of(call(port, "POST", "/v1/admin/cleanup", kAdmin));
  INFO(json::serialize(o));
  for (const auto& [kind, p] : planted) {
    INFO(kind << " " << p);
    CHECK(!fs::exists(p));
    bool listed = false;
    for (const auto& item : o.at("removed").at(kind).as_array()) listed |= item == p.c_str();
    CHECK(listed);
  }
}

// ---- with a Docker engine ------------------------------------------------------------------

namespace {

// The image the admin pull test makes: /rbprobe (static), an empty /etc and /usr (an image
// without /usr counts as not installed), imported into the
// engine as runbox-admin-test/img-<pid>:v1 (POST /images/create?fromSrc=-, no registry).
struct EngineImage {
  std::string repo = "runbox-admin-test/img-" + std::to_string(::getpid());
  std::string ref = repo + ":v1";
  std::string id;
  EngineImage() {
    TempDir tmp;
    const fs::path tree = tmp.path() / "tree";
    fs::create_directories(tree / "etc");
    fs::create_directories(tree / "usr" / "bin");
    fs::copy_file(RBPROBE_PATH, tree / "rbprobe");
    fs::permissions(tree / "rbprobe", fs::perms(0755));
    const fs::path tar = tmp.path() / "image.tar";
    const std::string cmd = "tar -C '" + tree.string() + "' -cf '" + tar.string() + "' .";
    REQUIRE(std::system(cmd.c_str()) == 0);
    docker_engine_call("POST", "/v1.41/images/create?fromSrc=-&repo=" + repo + "&tag=v1", read_file(tar),
                       "application/x-tar");
    const auto info = json::parse(docker_engine_call("GET", "/v1.41/images/" + ref + "/json"));
    REQUIRE(info.is_object());
    id = std::string(info.at("Id").as_string());
  }
  ~EngineImage() { docker_engine_call("DELETE", "/v1.41/images/" + ref + "?force=1"); }
};

json::object wait_for_job(std::uint16_t port, const std::string& location) {
  json::object job;
  const bool ended = eventually(
      [&] {
        job = object_of(call(port, "GET", location, kAdmin));
        return job.at("state") == "succeeded" || job.at("state") == "failed";
      },
      std::chrono::seconds(90));
  INFO(json::serialize(job));
  REQUIRE(ended);
  return job;
}

// A pid no process has now: a child that has been reaped.
pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

}  // namespace

TEST_CASE("admin: a pull runs as a job with progress, then the runtime using the image is ready", "[admin_pull]") {
  require_root();
  require_docker_engine();
  EngineImage image;
  auto& d = admin_daemon();
  const std::uint16_t port = d.daemon->port();

  const auto r = call(port, "POST", "/v1/admin/images/pull", kAdmin,
                      R"({"reference": ")" + image.ref +
                          R"(", "name": "admintest", "pull": "never", "labels": {"recipe": "00112233aabbccdd"}})");
  INFO(r.body);
  REQUIRE(r.status == 202);
  const json::object accepted = object_of(r);
  const std::string id(accepted.at("id").as_string());
  CHECK(id.size() == 16);
  CHECK(accepted.at("state") == "queued");
  CHECK(r.header("location") == "/v1/admin/jobs/" + id);

  const json::object job = wait_for_job(port, r.header("location"));
  INFO(json::serialize(job));
  REQUIRE(job.at("state") == "succeeded");
  CHECK(job.at("kind") == "image_pull");
  CHECK(job.at("reference") == image.ref.c_str());
  CHECK(job.at("name") == "admintest");
  CHECK(job.at("bytes").to_number<std::uint64_t>() > fs::file_size(RBPROBE_PATH));  // the export: tar of the tree
  CHECK(job.at("entries").to_number<std::uint64_t>() >= 5);  // ./, etc/, usr/, usr/bin/, rbprobe (+ the engine's)
  CHECK(job.at("error").is_null());
  CHECK(!job.at("started_at").is_null());
  CHECK(!job.at("finished_at").is_null());
  const auto& result = job.at("result").as_object();
  CHECK(result.at("image_id") == image.id.c_str());
  CHECK(result.at("up_to_date") == false);
  CHECK(result.at("reprobe").at("ok") == true);
  CHECK(result.at("runtimes").at("admintest") == "ready");

  // The image is in /v1/system, used by the runtime, which is ready with its probed version.
  const json::object s = system_info(port);
  const json::object* img = find_named(s.at("images"), "admintest");
  REQUIRE(img);
  CHECK(img->at("image_id") == image.id.c_str());
  CHECK(img->at("reference") == image.ref.c_str());
  CHECK(img->at("size_bytes").to_number<std::uint64_t>() >= fs::file_size(RBPROBE_PATH));
  REQUIRE(img->at("runtimes").as_array().size() == 1);
  CHECK(img->at("runtimes").at(0) == "admintest");
  const json::object* rt = find_named(s.at("runtimes"), "admintest");
  REQUIRE(rt);
  CHECK(rt->at("state") == "ready");
  CHECK(rt->at("version").as_string().find("uid=") == 0);
  CHECK(s.at("generation").to_number<std::uint64_t>() >= 2);

  // The labels were recorded with the image.
  const auto meta = json::parse(read_file(d.rootfs() / ".meta" / "admintest.json"));
  CHECK(meta.at("labels").at("recipe") == "00112233aabbccdd");

  // The same pull again: nothing to do. An image the engine does not have: the job fails.
  const json::object again = wait_for_job(
      port, call(port, "POST", "/v1/admin/images/pull", kAdmin,
                 R"({"reference": ")" + image.ref + R"(", "name": "admintest", "pull": "never"})")
                .header("location"));
  CHECK(again.at("state") == "succeeded");
  CHECK(again.at("result").at("up_to_date") == true);
  const json::object missing = wait_for_job(
      port, call(port, "POST", "/v1/admin/images/pull", kAdmin,
                 R"({"reference": ")" + image.repo + R"(:absent", "name": "absent", "pull": "never"})")
                .header("location"));
  CHECK(missing.at("state") == "failed");
  CHECK(missing.at("error").as_string().find("is not in the Docker engine") != std::string::npos);
  CHECK(missing.at("result").is_null());
}

TEST_CASE("admin: cleanup removes the containers of dead daemons and no live one's", "[admin_pull]") {
  require_root();
  require_docker_engine();
  EngineImage image;
  auto& d = admin_daemon();
  const std::uint16_t port = d.daemon->port();
  auto create = [&](pid_t daemon_pid) {
    const std::string id = docker_create_container(json::serialize(json::object{
        {"Image", image.id},
        {"Cmd", json::array{"/rbprobe", "ids"}},
        {"Labels", json::object{{"io.runbox.managed", "true"}, {"io.runbox.daemon", std::to_string(daemon_pid)}}}}));
    REQUIRE(!id.empty());
    return id;
  };
  const std::string dead = create(dead_pid());
  const std::string live = create(::getpid());  // this test process: alive
  const json::object o = object_of(call(port, "POST", "/v1/admin/cleanup", kAdmin));
  INFO(json::serialize(o));
  bool dead_listed = false, live_listed = false;
  for (const auto& c : o.at("removed").at("containers").as_array()) {
    dead_listed |= c == dead.substr(0, 12).c_str();
    live_listed |= c == live.substr(0, 12).c_str();
  }
  CHECK(dead_listed);
  CHECK(!live_listed);
  const auto ids = runbox_containers();
  auto has = [&](const std::string& id) {
    for (const auto& i : ids)
      if (id.rfind(i, 0) == 0 || i.rfind(id, 0) == 0) return true;
    return false;
  };
  CHECK(!has(dead));
  CHECK(has(live));
  docker_remove_container(live);
}
