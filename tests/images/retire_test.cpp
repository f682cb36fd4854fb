// Replacing or removing an image never deletes a tree a run may still use: the old tree is
// retired and deleted only after the grace period, by a later import, pull or rm.
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "archive_builder.hpp"
#include "images/image_store.hpp"
#include "images/retired_trees.hpp"
#include "store_checks.hpp"
#include "test_env.hpp"

namespace fs = std::filesystem;
using runbox::images::ImageStore;
using runbox::test::ArchiveBuilder;
using runbox::test::TempDir;

namespace {

std::size_t retired_count(const fs::path& root) {
  std::error_code ec;
  std::size_t n = 0;
  for (fs::directory_iterator it(root / ".retired", ec), end; !ec && it != end; it.increment(ec)) ++n;
  return n;
}

std::string read_at(int dirfd, const char* path) {
  const int fd = ::openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "<missing>";
  char buf[256];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  return n < 0 ? "<unreadable>" : std::string(buf, static_cast<std::size_t>(n));
}

// A bind mount of the image as a run makes it, undone at the end of the test.
struct BindMount {
  fs::path target;
  BindMount(const fs::path& source, const fs::path& t) : target(t) {
    fs::create_directory(target);
    if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) FAIL("bind mount failed");
  }
  ~BindMount() { ::umount2(target.c_str(), MNT_DETACH); }
};

}  // namespace

TEST_CASE("a replaced image stays readable through a bind and an open handle until swept") {
  runbox::test::require_root();
  TempDir tmp;
  ArchiveBuilder(tmp.path() / "v1.tar").dir("./").file("./version", "one").close();
  ArchiveBuilder(tmp.path() / "v2.tar").dir("./").file("./version", "two").close();
  ImageStore store(tmp.path() / "store");
  store.import_tarball(tmp.path() / "v1.tar", "img");

  // A run in progress: its bind mount of <root>/img, and an open directory handle.
  BindMount run(tmp.path() / "store/img", tmp.path() / "run-root");
  const int handle = ::open((tmp.path() / "store/img").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(handle >= 0);

  const auto report = store.import_tarball(tmp.path() / "v2.tar", "img");
  CHECK(report.replaced);
  CHECK(report.warning.empty());
  CHECK(report.retired.parent_path() == tmp.path() / "store/.retired");
  CHECK(runbox::test::read_file(tmp.path() / "store/img/version") == "two");  // new runs: the new tree
  CHECK(runbox::test::read_file(tmp.path() / "run-root/version") == "one");   // the old run: its tree
  CHECK(read_at(handle, "version") == "one");
  CHECK(retired_count(tmp.path() / "store") == 1);

  // A later import within the grace period keeps it...
  store.import_tarball(tmp.path() / "v1.tar", "other");
  CHECK(retired_count(tmp.path() / "store") == 1);
  CHECK(runbox::test::read_file(tmp.path() / "run-root/version") == "one");
  // ...and one after it (grace 0 here) deletes it.
  store.set_retire_grace(std::chrono::seconds(0));
  CHECK(store.sweep_retired() == 1);
  CHECK(retired_count(tmp.path() / "store") == 0);
  CHECK(read_at(handle, "version") == "<missing>");
  ::close(handle);
}

TEST_CASE("the sweep deletes only trees retired longer than the grace period") {
  runbox::test::require_root();
  TempDir tmp;
  const fs::path root = tmp.path() / "store";
  fs::create_directories(root / "a");
  fs::create_directories(root / "b");
  runbox::test::write_file(root / "a/f", "a");
  const auto now = std::chrono::system_clock::now();
  const fs::path old = runbox::images::retire_tree(root, root / "a", "a", now - std::chrono::minutes(16));
  const fs::path recent = runbox::images::retire_tree(root, root / "b", "b", now - std::chrono::minutes(14));
  fs::create_directories(root / ".retired/not-ours");  // no time in the name: never touched
  CHECK(runbox::images::sweep_retired(root, runbox::images::kRetireGrace, now) == 1);
  CHECK_FALSE(fs::exists(old));
  CHECK(fs::exists(recent));
  CHECK(fs::exists(root / ".retired/not-ours"));
  CHECK(runbox::images::sweep_retired(root, runbox::images::kRetireGrace, now + std::chrono::minutes(2)) == 1);
  CHECK_FALSE(fs::exists(recent));
}

TEST_CASE("rm retires the tree: a run on it keeps its files") {
  runbox::test::require_root();
  TempDir tmp;
  ArchiveBuilder(tmp.path() / "v1.tar").dir("./").file("./version", "one").close();
  ImageStore store(tmp.path() / "store");
  store.import_tarball(tmp.path() / "v1.tar", "img");
  BindMount run(tmp.path() / "store/img", tmp.path() / "run-root");
  store.remove("img");
  CHECK_FALSE(fs::exists(fs::symlink_status(tmp.path() / "store/img")));
  CHECK_FALSE(store.metadata("img"));
  CHECK(runbox::test::read_file(tmp.path() / "run-root/version") == "one");
  CHECK(retired_count(tmp.path() / "store") == 1);
}
