// `runbox image pull` against the Docker engine, with images the tests make themselves
// (POST /images/create?fromSrc=-, no registry): export, no-op re-pull, atomic replacement,
// metadata, device nodes, the export container removed.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <string>

#include "archive_builder.hpp"
#include "docker/image_api.hpp"
#include "engine_for_tests.hpp"
#include "pull/image_pull.hpp"
#include "store_checks.hpp"
#include "test_env.hpp"

namespace fs = std::filesystem;
namespace docker = runbox::docker;
using runbox::images::ImageStore;
using runbox::pull::PullOptions;
using runbox::pull::PullPolicy;
using runbox::test::ArchiveBuilder;
using runbox::test::TempDir;

namespace {

// A test image tagged runbox-test/pull-<pid>:<tag>, deleted again at the end.
struct TestImage {
  const docker::EngineClient& engine;
  std::string repo = "runbox-test/pull-" + std::to_string(::getpid());
  std::vector<std::string> made;
  explicit TestImage(const docker::EngineClient& e) : engine(e) {}
  ~TestImage() {
    for (const auto& ref : made) {
      try {
        docker::delete_image(engine, ref);
      } catch (const docker::EngineError&) {
      }
    }
  }
  std::string make(const TempDir& tmp, const std::string& tag, const std::string& version,
                   const std::vector<std::string>& changes = {}) {
    const fs::path tar = tmp.path() / ("image-" + version + ".tar");
    ArchiveBuilder(tar)
        .dir("./")
        .dir("./etc")
        .file("./etc/version", version)
        .file("./bin-true", "#!/bin/true\n", 04755)
        .dir("./dev")
        .chardev("./dev/evil-null", 1, 3)
        .close();
    const std::string id = docker::import_image_tar(engine, runbox::test::read_file(tar), repo, tag, changes);
    made.push_back(repo + ":" + tag);
    made.push_back(id);
    return id;
  }
};

// Export containers of this image still present (there must be none after a pull).
std::size_t export_containers_of(const docker::EngineClient& engine, const std::string& image_id) {
  const std::string filters = R"({"label":["io.runbox.purpose=image-export"]})";
  const auto list = boost::json::parse(
      engine.call("GET", "/containers/json?all=1&filters=" + docker::url_encode(filters), "list containers"));
  std::size_t n = 0;
  for (const auto& c : list.as_array())
    if (c.as_object().at("ImageID").as_string() == image_id) ++n;
  return n;
}

ino_t inode_of(const fs::path& p) { return runbox::test::lstat_or_fail(p).st_ino; }

}  // namespace

TEST_CASE("docker: pull exports a local image into the store with its metadata") {
  runbox::test::require_root();
  const auto engine = runbox::test::require_engine();
  TempDir tmp;
  TestImage image(engine);
  const std::string id = image.make(tmp, "v1", "one", {"ENV GREETING=hello", "WORKDIR /srv", "USER 1000:1000"});
  ImageStore store(tmp.path() / "store");
  const std::string ref = image.repo + ":v1";

  const auto report = runbox::pull::pull_into_store(engine, store, {ref, "", PullPolicy::never, {{"k", "v"}}});
  CHECK(report.name == "pull-" + std::to_string(::getpid()));  // the reference's last component
  CHECK(report.image_id == id);
  CHECK_FALSE(report.up_to_date);
  REQUIRE(report.import);
  CHECK_FALSE(report.import->replaced);
  CHECK(report.warning.empty());
  const fs::path r = tmp.path() / "store" / report.name;
  CHECK(runbox::test::read_file(r / "etc/version") == "one");
  CHECK((runbox::test::lstat_or_fail(r / "bin-true").st_mode & 07777) == 04755);
  // The device node went into the image (docker import creates it) and came out in the export:
  // it is skipped and counted, never created.
  CHECK_FALSE(fs::exists(fs::symlink_status(r / "dev/evil-null")));
  CHECK(report.import->skipped >= 1);
  for (const char* mp : {"box", "tmp", "proc", "dev"}) CHECK(fs::is_directory(r / mp));

  const auto meta = runbox::images::read_rootfs_metadata(r);
  REQUIRE(meta);
  CHECK(meta->image_id == id);
  CHECK(meta->reference == ref);
  CHECK(meta->digest.empty());  // imported, never pulled from a registry
  CHECK(meta->source == "docker:" + id);
  CHECK(meta->labels.at("k") == "v");
  CHECK(meta->image_size_bytes > 0);
  CHECK(meta->skipped == report.import->skipped);
  REQUIRE(meta->config);
  CHECK(meta->config->working_dir == "/srv");
  CHECK(meta->config->user == "1000:1000");
  CHECK(std::find(meta->config->env.begin(), meta->config->env.end(), "GREETING=hello") != meta->config->env.end());
  CHECK(export_containers_of(engine, id) == 0);
}

TEST_CASE("docker: re-pulling the same image id is a no-op, a new id under the tag swaps atomically") {
  runbox::test::require_root();
  const auto engine = runbox::test::require_engine();
  TempDir tmp;
  TestImage image(engine);
  const std::string id1 = image.make(tmp, "latest", "one");
  ImageStore store(tmp.path() / "store");
  const PullOptions options{image.repo + ":latest", "img", PullPolicy::never, {}};
  runbox::pull::pull_into_store(engine, store, options);
  const fs::path r = tmp.path() / "store/img";
  const ino_t before = inode_of(r);
  const std::string meta_before = runbox::test::read_file(tmp.path() / "store/.meta/img.json");

  const auto again = runbox::pull::pull_into_store(engine, store, options);
  CHECK(again.up_to_date);
  CHECK_FALSE(again.import);
  CHECK(inode_of(r) == before);
  CHECK(runbox::test::read_file(tmp.path() / "store/.meta/img.json") == meta_before);

  // A run on the current tree holds it open.
  const int handle = ::open(r.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(handle >= 0);
  const std::string id2 = image.make(tmp, "latest", "two");
  REQUIRE(id2 != id1);
  const auto swapped = runbox::pull::pull_into_store(engine, store, options);
  CHECK_FALSE(swapped.up_to_date);
  REQUIRE(swapped.import);
  CHECK(swapped.import->replaced);
  CHECK(swapped.image_id == id2);
  CHECK(inode_of(r) != before);
  CHECK(runbox::test::read_file(r / "etc/version") == "two");
  CHECK(store.metadata("img")->image_id == id2);
  // The old tree is retired, not deleted: the run still reads its files.
  const int fd = ::openat(handle, "etc/version", O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  char buf[8] = {};
  CHECK(::read(fd, buf, sizeof buf) == 3);
  CHECK(std::string(buf) == "one");
  ::close(fd);
  ::close(handle);
  CHECK(fs::exists(swapped.import->retired / "etc/version"));
  CHECK(export_containers_of(engine, id1) == 0);
  CHECK(export_containers_of(engine, id2) == 0);
}

TEST_CASE("docker: pulling with the registry unreachable or refusing uses the local image and says so") {
  runbox::test::require_root();
  const auto engine = runbox::test::require_engine();
  TempDir tmp;
  TestImage image(engine);
  const std::string id = image.make(tmp, "v1", "one");
  ImageStore store(tmp.path() / "store");
  std::vector<std::string> notes;
  // runbox-test/pull-<pid> exists in no registry: whether one is reachable or not, the pull fails.
  const auto report = runbox::pull::pull_into_store(engine, store, {image.repo + ":v1", "img", PullPolicy::always, {}},
                                                    [&](const std::string& line) { notes.push_back(line); });
  CHECK_FALSE(report.pulled);
  CHECK_FALSE(report.pull_error.empty());
  CHECK(report.image_id == id);
  bool said = false;
  for (const auto& n : notes) said = said || n.find("using the engine's local image") != std::string::npos;
  CHECK(said);
  // Neither in the engine nor pullable: a clear error, nothing published.
  CHECK_THROWS_WITH(runbox::pull::pull_into_store(engine, store, {image.repo + ":absent", "gone", PullPolicy::always, {}}),
                    Catch::Contains("is not in the Docker engine and could not be pulled"));
  CHECK_THROWS_WITH(runbox::pull::pull_into_store(engine, store, {image.repo + ":absent", "gone", PullPolicy::never, {}}),
                    Catch::Contains("is not in the Docker engine"));
  CHECK_FALSE(fs::exists(tmp.path() / "store/gone"));
}

TEST_CASE("docker: an engine that does not answer is a clear error") {
  TempDir tmp;
  const docker::EngineClient dead(tmp.path() / "no-docker.sock");
  ImageStore store(tmp.path() / "store");
  CHECK_THROWS_WITH(runbox::pull::pull_into_store(dead, store, {"runbox/python:latest", "", PullPolicy::always, {}}),
                    Catch::Contains("Docker engine unreachable at " + (tmp.path() / "no-docker.sock").string()));
  CHECK_FALSE(fs::exists(tmp.path() / "store/python"));
}

TEST_CASE("image references: tags, digests, registries with ports, default names") {
  using docker::parse_image_reference;
  auto r = parse_image_reference("runbox/python:latest");
  CHECK(r.repository == "runbox/python");
  CHECK(r.tag == "latest");
  CHECK(runbox::pull::default_rootfs_name(r) == "python");
  r = parse_image_reference("python:3.12-slim");
  CHECK(r.repository == "python");
  CHECK(r.tag == "3.12-slim");
  CHECK(runbox::pull::default_rootfs_name(r) == "python");
  r = parse_image_reference("python");
  CHECK(r.text() == "python:latest");
  r = parse_image_reference("localhost:5000/team/gcc");
  CHECK(r.repository == "localhost:5000/team/gcc");
  CHECK(r.tag == "latest");
  CHECK(runbox::pull::default_rootfs_name(r) == "gcc");
  const std::string digest = "sha256:" + std::string(64, 'a');
  r = parse_image_reference("docker.io/library/python@" + digest);
  CHECK(r.repository == "docker.io/library/python");
  CHECK(r.tag.empty());
  CHECK(r.digest == digest);
  CHECK(r.text() == "docker.io/library/python@" + digest);
  CHECK(parse_image_reference("python:3.12@" + digest).text() == "python:3.12@" + digest);
  for (const char* bad : {"", "Python", "a//b", "a b", "x:", "x:-bad", "x@nodigest", "/x"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_image_reference(bad), std::invalid_argument);
  }
  CHECK_THROWS_WITH(runbox::pull::default_rootfs_name(parse_image_reference("x/_x")), Catch::Contains("--name"));
}
