#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "archive_builder.hpp"
#include "images/image_store.hpp"
#include "store_checks.hpp"
#include "test_env.hpp"

namespace fs = std::filesystem;
using runbox::images::ImageError;
using runbox::images::ImageStore;
using runbox::test::ArchiveBuilder;
using runbox::test::TempDir;

TEST_CASE("ls shows images with their labels, and nothing else") {
  runbox::test::require_root();
  TempDir tmp;
  ArchiveBuilder(tmp.path() / "a.tar").file("f", "12345").close();
  ImageStore store(tmp.path() / "store");
  store.import_tarball(tmp.path() / "a.tar", "zeta", {{"os", "alpine"}});
  store.import_tarball(tmp.path() / "a.tar", "alpha", {{"os", "debian"}, {"suite", "bookworm"}});
  fs::create_directory(tmp.path() / "store/bare");  // an image without metadata
  fs::create_directory(tmp.path() / "store/.staging-x-123456");
  fs::create_directory(tmp.path() / "store/Not_An_Image");
  runbox::test::write_file(tmp.path() / "store/plainfile", "");
  fs::create_directory_symlink(tmp.path() / "store/alpha", tmp.path() / "store/linked");

  const auto images = store.list();
  REQUIRE(images.size() == 3);
  CHECK(images[0].name == "alpha");
  CHECK(images[1].name == "bare");
  CHECK(images[2].name == "zeta");
  REQUIRE(images[0].metadata);
  CHECK(images[0].metadata->labels == runbox::images::Labels{{"os", "debian"}, {"suite", "bookworm"}});
  CHECK(images[0].metadata->size_bytes == 5);
  CHECK(images[0].rootfs == tmp.path() / "store/alpha");
  CHECK_FALSE(images[1].metadata);
  REQUIRE(images[2].metadata);
  CHECK(images[2].metadata->labels.at("os") == "alpine");
  CHECK(store.rootfs("zeta") == tmp.path() / "store/zeta");
}

TEST_CASE("ls of a store that does not exist yet is empty") {
  TempDir tmp;
  CHECK(ImageStore(tmp.path() / "nothing").list().empty());
}

TEST_CASE("rm removes the rootfs and its metadata") {
  runbox::test::require_root();
  TempDir tmp;
  ArchiveBuilder(tmp.path() / "a.tar").dir("./").dir("./etc").file("./etc/x", "x").close();
  ImageStore store(tmp.path() / "store");
  store.import_tarball(tmp.path() / "a.tar", "gone");
  store.import_tarball(tmp.path() / "a.tar", "kept");
  REQUIRE(fs::exists(tmp.path() / "store/.meta/gone.json"));

  store.remove("gone");
  CHECK_FALSE(fs::exists(fs::symlink_status(tmp.path() / "store/gone")));
  CHECK_FALSE(fs::exists(tmp.path() / "store/.meta/gone.json"));
  CHECK(store.list().size() == 1);
  CHECK(fs::exists(tmp.path() / "store/kept/etc/x"));
  // kept, its metadata, and gone's tree retired for the runs that may still use it
  CHECK(runbox::test::store_leftovers(tmp.path() / "store").size() == 3);
  store.set_retire_grace(std::chrono::seconds(0));
  CHECK(store.sweep_retired() == 1);
  CHECK(runbox::test::store_leftovers(tmp.path() / "store").size() == 2);
  CHECK_THROWS_WITH(store.rootfs("gone"), "no image named gone");
}

TEST_CASE("rm of an unknown image is an error") {
  TempDir tmp;
  ImageStore store(tmp.path() / "store");
  CHECK_THROWS_WITH(store.remove("nope"), "no image named nope");
  CHECK_THROWS_WITH(store.remove("../etc"), Catch::Contains("invalid image name"));
  fs::create_directories(tmp.path() / "store/.meta");
  CHECK_THROWS_WITH(store.remove("nope"), "no image named nope");
}
