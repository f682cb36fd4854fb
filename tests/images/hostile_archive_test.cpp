// Crafted archives that must be refused with a clear error, leaving nothing behind.
#include <catch2/catch.hpp>
#include <functional>
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

namespace {

// Builds an archive with `build`, imports it as "img" and returns the error message; checks
// that the store is left exactly as before (no staging tree, no image, no metadata).
std::string refused_import(const TempDir& tmp, const std::function<void(ArchiveBuilder&)>& build) {
  const fs::path tarball = tmp.path() / "hostile.tar";
  {
    ArchiveBuilder b(tarball);
    build(b);
    b.close();
  }
  const fs::path root = tmp.path() / "store";
  std::string message;
  try {
    ImageStore(root).import_tarball(tarball, "img");
    FAIL("import of a hostile archive succeeded");
  } catch (const ImageError& e) {
    message = e.what();
  }
  INFO(message);
  CHECK(runbox::test::store_leftovers(root).empty());
  return message;
}

}  // namespace

TEST_CASE("an entry with a .. component is refused") {
  runbox::test::require_root();
  TempDir tmp;
  const auto msg = refused_import(tmp, [](ArchiveBuilder& b) {
    b.dir("./").file("./ok", "fine").file("../escape", "out");
  });
  CHECK_THAT(msg, Catch::Contains("'../escape'") && Catch::Contains("'..'"));
  CHECK_FALSE(fs::exists(tmp.path() / "escape"));
  CHECK_FALSE(fs::exists(tmp.path() / "store/escape"));
}

TEST_CASE("an absolute entry path is refused") {
  runbox::test::require_root();
  REQUIRE_FALSE(fs::exists("/etc/evil"));
  TempDir tmp;
  const auto msg = refused_import(tmp, [](ArchiveBuilder& b) { b.file("ok", "x").file("/etc/evil", "pwned"); });
  CHECK_THAT(msg, Catch::Contains("'/etc/evil'") && Catch::Contains("absolute"));
  CHECK_FALSE(fs::exists("/etc/evil"));
}

TEST_CASE("writing through a symlink is refused and nothing lands outside") {
  runbox::test::require_root();
  TempDir tmp;
  const fs::path outside = tmp.path() / "outside";
  fs::create_directory(outside);
  const auto msg = refused_import(tmp, [&](ArchiveBuilder& b) {
    b.symlink("evil", outside.string()).file("evil/pwned", "gotcha");
  });
  CHECK_THAT(msg, Catch::Contains("'evil/pwned'") && Catch::Contains("symlink"));
  CHECK(fs::is_empty(outside));
}

TEST_CASE("a hardlink to a path outside the image is refused") {
  runbox::test::require_root();
  TempDir tmp;
  runbox::test::write_file(tmp.path() / "outside", "secret");
  const auto msg = refused_import(tmp, [](ArchiveBuilder& b) {
    b.file("ok", "x").hardlink("stolen", "../outside");
  });
  CHECK_THAT(msg, Catch::Contains("hardlink target") && Catch::Contains("'../outside'"));
  CHECK(runbox::test::lstat_or_fail(tmp.path() / "outside").st_nlink == 1);
}

TEST_CASE("a hardlink through a symlinked directory is refused") {
  runbox::test::require_root();
  TempDir tmp;
  const fs::path outside = tmp.path() / "outside";
  fs::create_directory(outside);
  runbox::test::write_file(outside / "secret", "secret");
  const auto msg = refused_import(tmp, [&](ArchiveBuilder& b) {
    b.symlink("evil", outside.string()).hardlink("stolen", "evil/secret");
  });
  CHECK_THAT(msg, Catch::Contains("'stolen'") && Catch::Contains("symlink"));
  CHECK(runbox::test::lstat_or_fail(outside / "secret").st_nlink == 1);
}

TEST_CASE("a mount point that is a symlink is refused") {
  runbox::test::require_root();
  TempDir tmp;
  const auto msg = refused_import(tmp, [](ArchiveBuilder& b) { b.dir("./").symlink("./tmp", "/"); });
  CHECK_THAT(msg, Catch::Contains("/tmp") && Catch::Contains("symlink"));
}

TEST_CASE("an archive without entries is refused") {
  runbox::test::require_root();
  TempDir tmp;
  const auto msg = refused_import(tmp, [](ArchiveBuilder&) {});
  CHECK_THAT(msg, Catch::Contains("no entries"));
}

TEST_CASE("a truncated gzip archive is refused cleanly") {
  runbox::test::require_root();
  TempDir tmp;
  const fs::path tarball = tmp.path() / "cut.tar.gz";
  std::string noise(1 << 20, '\0');
  std::uint32_t x = 12345;
  for (char& c : noise) c = static_cast<char>((x = x * 1103515245 + 12345) >> 24);  // incompressible
  ArchiveBuilder(tarball, ArchiveBuilder::Compression::gzip)
      .dir("./")
      .file("./first", "extracted before the cut")
      .file("./big", noise)
      .file("./last", "never reached")
      .close();
  fs::resize_file(tarball, fs::file_size(tarball) / 2);

  const fs::path root = tmp.path() / "store";
  try {
    ImageStore(root).import_tarball(tarball, "img");
    FAIL("import of a truncated archive succeeded");
  } catch (const ImageError& e) {
    CHECK_THAT(e.what(), Catch::Contains("damaged archive") && Catch::Contains("'./big'"));
  }
  CHECK(runbox::test::store_leftovers(root).empty());
}

TEST_CASE("a file that is not an archive is refused cleanly") {
  runbox::test::require_root();
  TempDir tmp;
  std::string garbage;
  for (int i = 0; i < 200; ++i) garbage += "this is not a tarball, just text\n";
  runbox::test::write_file(tmp.path() / "garbage.tar", garbage);
  const fs::path root = tmp.path() / "store";
  CHECK_THROWS_AS(ImageStore(root).import_tarball(tmp.path() / "garbage.tar", "img"), ImageError);
  CHECK_THROWS_WITH(ImageStore(root).import_tarball(tmp.path() / "missing.tar", "img"),
                    Catch::Contains("missing.tar"));
  CHECK(runbox::test::store_leftovers(root).empty());
}

TEST_CASE("a bad image name is refused before anything is written") {
  TempDir tmp;
  ArchiveBuilder(tmp.path() / "ok.tar").file("f", "x").close();
  const fs::path root = tmp.path() / "store";
  for (const char* name : {"../x", "Upper", ".hidden", "a/b", ""}) {
    INFO(name);
    CHECK_THROWS_WITH(ImageStore(root).import_tarball(tmp.path() / "ok.tar", name),
                      Catch::Contains("invalid image name"));
  }
  CHECK_FALSE(fs::exists(root));
  CHECK_FALSE(fs::exists(tmp.path() / "x"));
}
