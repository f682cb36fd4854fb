// Extraction runs libarchive's disk writer, which calls umask(0) and back for every entry; it
// must not change the umask of the process's other threads (the daemon imports from threads).
#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <thread>

#include "archive_builder.hpp"
#include "images/image_store.hpp"
#include "images/private_fs_thread.hpp"
#include "test_env.hpp"

namespace fs = std::filesystem;
using runbox::test::ArchiveBuilder;
using runbox::test::TempDir;

namespace {

// This thread's umask, read without changing it.
unsigned own_umask() {
  std::ifstream in("/proc/thread-self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Umask:", 0) == 0) return static_cast<unsigned>(std::stoul(line.substr(6), nullptr, 8));
  FAIL("no Umask line in /proc/thread-self/status");
  return 0;
}

struct UmaskRestore {
  mode_t saved = ::umask(022);
  ~UmaskRestore() { ::umask(saved); }
};

}  // namespace

TEST_CASE("a private-fs thread's umask does not reach the other threads") {
  UmaskRestore restore;
  REQUIRE(own_umask() == 022);
  unsigned seen_inside = 0;
  runbox::images::run_with_private_fs([&] {
    ::umask(0);
    seen_inside = own_umask();
  });
  CHECK(seen_inside == 0);
  CHECK(own_umask() == 022);
  // The control: an ordinary thread shares the umask, which is what the private one avoids.
  std::thread([] { ::umask(0077); }).join();
  CHECK(own_umask() == 0077);
}

TEST_CASE("another thread never sees umask 0 while an image is extracted") {
  runbox::test::require_root();
  UmaskRestore restore;
  TempDir tmp;
  {
    ArchiveBuilder b(tmp.path() / "many.tar");
    for (int i = 0; i < 4000; ++i) b.file("f" + std::to_string(i), "x");
    b.close();
  }
  std::atomic<bool> done{false};
  unsigned polls = 0, zero = 0;
  std::thread import([&] {
    runbox::images::ImageStore(tmp.path() / "store").import_tarball(tmp.path() / "many.tar", "many");
    done = true;
  });
  while (!done) {
    ++polls;
    if (own_umask() != 022) ++zero;
  }
  import.join();
  INFO(polls << " polls");
  CHECK(zero == 0);
  CHECK(fs::exists(tmp.path() / "store/many/f3999"));
}
