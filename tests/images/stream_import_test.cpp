// ImageStore::import_stream: the path a container export takes (chunks pushed from the HTTP
// thread, libarchive pulling on its own thread), with every check of the tarball path.
#include <catch2/catch.hpp>
#include <functional>
#include <stdexcept>
#include <string>

#include "archive_builder.hpp"
#include "images/image_store.hpp"
#include "store_checks.hpp"
#include "test_env.hpp"

namespace fs = std::filesystem;
using runbox::images::ChunkSink;
using runbox::images::ImageError;
using runbox::images::ImageMetadata;
using runbox::images::ImageStore;
using runbox::test::ArchiveBuilder;
using runbox::test::TempDir;

namespace {

std::string tar_bytes(const TempDir& tmp, const std::function<void(ArchiveBuilder&)>& build) {
  const fs::path file = tmp.path() / "built.tar";
  {
    ArchiveBuilder b(file);
    build(b);
    b.close();
  }
  return runbox::test::read_file(file);
}

// Feeds `bytes` in pieces of `piece` bytes, as the engine's body would arrive.
runbox::images::StreamProducer chunks_of(const std::string& bytes, std::size_t piece) {
  return [bytes, piece](const ChunkSink& sink) {
    for (std::size_t at = 0; at < bytes.size(); at += piece) sink(std::string_view(bytes).substr(at, piece));
  };
}

std::string refused_stream(const TempDir& tmp, const std::string& bytes) {
  const fs::path root = tmp.path() / "store";
  std::string message;
  try {
    ImageStore(root).import_stream("img", {}, chunks_of(bytes, 97));
    FAIL("a hostile stream was imported");
  } catch (const ImageError& e) {
    message = e.what();
  }
  INFO(message);
  CHECK(runbox::test::store_leftovers(root).empty());
  return message;
}

}  // namespace

TEST_CASE("stream: a tar in small pieces is extracted and recorded with its docker fields") {
  runbox::test::require_root();
  TempDir tmp;
  const std::string big(300000, 'x');  // spans many pieces and several libarchive reads
  const std::string bytes = tar_bytes(tmp, [&](ArchiveBuilder& b) {
    b.dir("./").dir("./etc").file("./etc/os", "debian\n").file("./big", big, 0755).chardev("./dev/tty", 5, 0);
  });
  ImageMetadata recorded;
  recorded.source = "docker:sha256:abc";
  recorded.image_id = "sha256:abc";
  recorded.reference = "runbox/x:latest";
  recorded.digest = "runbox/x@sha256:def";
  recorded.config = runbox::images::ImageConfig{{"PATH=/usr/bin", "A=b"}, "/srv", "1000:1000"};
  recorded.image_size_bytes = 1234;
  ImageStore store(tmp.path() / "store");
  const auto report = store.import_stream("img", recorded, chunks_of(bytes, 1000));
  CHECK(report.entries == 5);
  CHECK(report.skipped == 1);
  CHECK(report.size_bytes == 7 + big.size());
  CHECK(runbox::test::read_file(tmp.path() / "store/img/etc/os") == "debian\n");
  CHECK(runbox::test::read_file(tmp.path() / "store/img/big") == big);
  CHECK_FALSE(fs::exists(fs::symlink_status(tmp.path() / "store/img/dev/tty")));

  const auto meta = store.metadata("img");
  REQUIRE(meta);
  CHECK(meta->name == "img");
  CHECK(meta->image_id == "sha256:abc");
  CHECK(meta->reference == "runbox/x:latest");
  CHECK(meta->digest == "runbox/x@sha256:def");
  REQUIRE(meta->config);
  CHECK(*meta->config == *recorded.config);
  CHECK(meta->image_size_bytes == 1234);
  CHECK(meta->skipped == 1);
  // The daemon's way to the same record: from the rootfs path.
  const auto via_rootfs = runbox::images::read_rootfs_metadata(tmp.path() / "store/img");
  REQUIRE(via_rootfs);
  CHECK(via_rootfs->image_id == "sha256:abc");
  CHECK(via_rootfs->config->working_dir == "/srv");
}

TEST_CASE("stream: a .. entry is refused as in a tarball, and the producer is stopped") {
  runbox::test::require_root();
  TempDir tmp;
  const std::string bytes = tar_bytes(tmp, [](ArchiveBuilder& b) { b.dir("./").file("./ok", "x").file("../escape", "out"); });
  const fs::path root = tmp.path() / "store";
  // An endless producer: only the consumer's refusal can end it.
  std::size_t pushed = 0;
  bool stopped = false;
  try {
    ImageStore(root).import_stream("img", {}, [&](const ChunkSink& sink) {
      try {
        sink(bytes);
        for (;;) {
          sink(std::string(4096, '\0'));
          ++pushed;
        }
      } catch (...) {
        stopped = true;
        throw;
      }
    });
    FAIL("a hostile stream was imported");
  } catch (const ImageError& e) {
    CHECK_THAT(e.what(), Catch::Contains("'../escape'") && Catch::Contains("'..'"));
  }
  CHECK(stopped);
  CHECK(runbox::test::store_leftovers(root).empty());
  CHECK_FALSE(fs::exists(tmp.path() / "escape"));
}

TEST_CASE("stream: writing through a symlink and absolute paths are refused") {
  runbox::test::require_root();
  TempDir tmp;
  const fs::path outside = tmp.path() / "outside";
  fs::create_directory(outside);
  auto msg = refused_stream(tmp, tar_bytes(tmp, [&](ArchiveBuilder& b) {
                              b.symlink("evil", outside.string()).file("evil/pwned", "gotcha");
                            }));
  CHECK_THAT(msg, Catch::Contains("'evil/pwned'") && Catch::Contains("symlink"));
  CHECK(fs::is_empty(outside));
  msg = refused_stream(tmp, tar_bytes(tmp, [](ArchiveBuilder& b) { b.file("ok", "x").file("/etc/evil-stream", "x"); }));
  CHECK_THAT(msg, Catch::Contains("absolute"));
  CHECK_FALSE(fs::exists("/etc/evil-stream"));
}

TEST_CASE("stream: a producer that fails midway fails the import with its own error") {
  runbox::test::require_root();
  TempDir tmp;
  const std::string bytes = tar_bytes(tmp, [](ArchiveBuilder& b) { b.file("a", std::string(100000, 'a')).file("b", "b"); });
  const fs::path root = tmp.path() / "store";
  CHECK_THROWS_WITH(ImageStore(root).import_stream("img", {},
                                                   [&](const ChunkSink& sink) {
                                                     sink(std::string_view(bytes).substr(0, 5000));
                                                     throw std::runtime_error("the engine went away");
                                                   }),
                    "the engine went away");
  CHECK(runbox::test::store_leftovers(root).empty());
  // A stream that simply ends early is a damaged archive.
  CHECK_THROWS_WITH(ImageStore(root).import_stream("img", {}, chunks_of(bytes.substr(0, 5000), 512)),
                    Catch::Contains("damaged archive") || Catch::Contains("Truncated"));
  CHECK(runbox::test::store_leftovers(root).empty());
}
