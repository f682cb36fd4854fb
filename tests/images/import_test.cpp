#include <archive.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "archive_builder.hpp"
#include "images/archive_reader.hpp"
#include "images/image_store.hpp"
#include "store_checks.hpp"
#include "test_env.hpp"

namespace fs = std::filesystem;
using runbox::images::ImageStore;
using runbox::test::ArchiveBuilder;
using runbox::test::lstat_or_fail;
using runbox::test::TempDir;

namespace {

// An mmdebstrap-like rootfs: "./" first, device nodes, setuid binaries, links.
void build_rootfs(const fs::path& file) {
  ArchiveBuilder(file)
      .dir("./")
      .dir("./etc")
      .file("./etc/hostname", "box\n", 0644, 0, 0, 1000000000)
      .hardlink("./etc/hostname.link", "./etc/hostname")
      .dir("./usr/bin")
      .file("./usr/bin/su", "#!/bin/true\n", 04755)
      .symlink("./bin", "usr/bin")
      .symlink("./usr/bin/abs", "/etc/hostname")
      .dir("./home/user", 0750)
      .file("./home/user/owned", "mine", 0640, 1234, 5678)
      .dir("./dev")
      .chardev("./dev/null", 1, 3)
      .fifo("./run/initctl")
      .close();
}

}  // namespace

TEST_CASE("import unpacks a valid rootfs, keeping owners, modes and links") {
  runbox::test::require_root();
  TempDir tmp;
  build_rootfs(tmp.path() / "rootfs.tar");
  ImageStore store(tmp.path() / "store");

  const auto report = store.import_tarball(tmp.path() / "rootfs.tar", "deb", {{"os", "debian"}});
  const fs::path r = tmp.path() / "store" / "deb";
  CHECK(report.rootfs == r);
  CHECK(report.entries == 13);
  CHECK(report.skipped == 2);
  CHECK(report.size_bytes == 4 + 12 + 4);
  CHECK_FALSE(report.replaced);

  CHECK(runbox::test::read_file(r / "etc/hostname") == "box\n");
  CHECK(lstat_or_fail(r / "etc/hostname").st_mtime == 1000000000);
  const auto link = lstat_or_fail(r / "etc/hostname.link");
  CHECK(link.st_ino == lstat_or_fail(r / "etc/hostname").st_ino);
  CHECK(link.st_nlink == 2);
  CHECK((lstat_or_fail(r / "usr/bin/su").st_mode & 07777) == 04755);
  CHECK(fs::read_symlink(r / "bin") == "usr/bin");
  CHECK(fs::read_symlink(r / "usr/bin/abs") == "/etc/hostname");
  const auto owned = lstat_or_fail(r / "home/user/owned");
  CHECK(owned.st_uid == 1234);
  CHECK(owned.st_gid == 5678);
  CHECK((owned.st_mode & 07777) == 0640);
  CHECK((lstat_or_fail(r / "home/user").st_mode & 07777) == 0750);

  // Device nodes and FIFOs are neutralised, not created.
  CHECK_FALSE(fs::exists(fs::symlink_status(r / "dev/null")));
  CHECK_FALSE(fs::exists(fs::symlink_status(r / "run/initctl")));

  // Mount points exist as real directories with the modes the sandbox expects.
  const std::pair<const char*, int> mount_points[] = {{"box", 0755}, {"tmp", 01777}, {"proc", 0555}, {"dev", 0755}};
  for (const auto& [name, mode] : mount_points) {
    INFO(name);
    const auto st = lstat_or_fail(r / name);
    CHECK(S_ISDIR(st.st_mode));
    CHECK(static_cast<int>(st.st_mode & 07777) == mode);
  }
  CHECK((lstat_or_fail(r).st_mode & 07777) == 0755);

  const auto meta = runbox::images::read_metadata(tmp.path() / "store/.meta/deb.json");
  REQUIRE(meta);
  CHECK(meta->name == "deb");
  CHECK(meta->source == (tmp.path() / "rootfs.tar").string());
  CHECK(meta->entries == 13);
  CHECK(meta->skipped == 2);
  CHECK(meta->size_bytes == 20);
  CHECK(meta->labels == runbox::images::Labels{{"os", "debian"}});
  CHECK(meta->imported_at.size() == 20);
  CHECK(meta->imported_at.back() == 'Z');

  // Only the image, its metadata and the lock: no staging directory left.
  auto left = runbox::test::store_leftovers(tmp.path() / "store");
  std::sort(left.begin(), left.end());
  CHECK(left == std::vector<std::string>{(tmp.path() / "store/.meta/deb.json").string(), r.string()});
}

TEST_CASE("re-importing a name replaces the image") {
  runbox::test::require_root();
  TempDir tmp;
  ArchiveBuilder(tmp.path() / "old.tar").file("old.txt", "old").close();
  ArchiveBuilder(tmp.path() / "new.tar").file("new.txt", "new").file("more.txt", "more").close();
  ImageStore store(tmp.path() / "store");

  CHECK_FALSE(store.import_tarball(tmp.path() / "old.tar", "img").replaced);
  CHECK(fs::exists(tmp.path() / "store/img/old.txt"));
  const auto report = store.import_tarball(tmp.path() / "new.tar", "img");
  CHECK(report.replaced);
  CHECK_FALSE(fs::exists(tmp.path() / "store/img/old.txt"));
  CHECK(runbox::test::read_file(tmp.path() / "store/img/new.txt") == "new");
  const auto meta = runbox::images::read_metadata(tmp.path() / "store/.meta/img.json");
  REQUIRE(meta);
  CHECK(meta->entries == 2);
  // img, its metadata and the replaced tree, retired (kept for runs on it until swept)
  CHECK(runbox::test::store_leftovers(tmp.path() / "store").size() == 3);
  CHECK(runbox::test::read_file(report.retired / "old.txt") == "old");
}

TEST_CASE("import from an archive already open for reading (streaming seam)") {
  runbox::test::require_root();
  TempDir tmp;
  ArchiveBuilder(tmp.path() / "a.tar", ArchiveBuilder::Compression::gzip).file("hello", "world").close();
  const std::string bytes = runbox::test::read_file(tmp.path() / "a.tar");

  auto reader = runbox::images::new_tar_reader();
  REQUIRE(archive_read_open_memory(reader.get(), bytes.data(), bytes.size()) == ARCHIVE_OK);
  ImageStore store(tmp.path() / "store");
  const auto report = store.import_archive(reader.get(), "streamed", "docker:abc123");
  CHECK(report.entries == 1);
  CHECK(runbox::test::read_file(tmp.path() / "store/streamed/hello") == "world");
  CHECK(store.list().at(0).metadata->source == "docker:abc123");
}
