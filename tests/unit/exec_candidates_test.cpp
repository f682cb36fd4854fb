// PATH candidates surely absent from the image are not tried (each would be a failed execve in
// the sandbox); what the parent cannot judge is kept.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "prepared_child.hpp"
#include "test_env.hpp"

using namespace runbox::sandbox;
namespace fs = std::filesystem;

TEST_CASE("exec candidates: absent ones are dropped, the image's own symlinks resolve inside it, doubt keeps one",
          "[exec]") {
  runbox::test::TempDir dir;
  const fs::path root = dir.path();
  for (const char* d : {"usr/bin", "usr/local", "bin"}) fs::create_directories(root / d);
  runbox::test::write_file(root / "usr/bin/tool", "#!/bin/sh\n", 0755);
  // Absolute, as in real images: resolved against the image's root, not the host's.
  fs::create_directory_symlink("/usr/bin", root / "usr/local/bin");

  const auto kept = present_in_image(
      root, {"/usr/local/sbin/tool", "/usr/local/bin/tool", "/usr/sbin/tool", "/usr/bin/tool", "/sbin/tool",
             "/box/bin/tool", "./tool"});
  CHECK(kept == std::vector<std::string>{"/usr/local/bin/tool", "/usr/bin/tool", "/box/bin/tool", "./tool"});

  // A host path the image does not have, reached through an absolute link: absent inside.
  fs::create_symlink("/etc/hostname", root / "bin/hostlink");
  CHECK(present_in_image(root, {"/bin/hostlink", "/usr/bin/tool"}) == std::vector<std::string>{"/usr/bin/tool"});

  // Nothing there: the last candidate stays, so the child reports ENOENT as before.
  CHECK(present_in_image(root, {"/usr/sbin/none", "/usr/bin/none"}) == std::vector<std::string>{"/usr/bin/none"});
  // One candidate (argv[0] with a slash) is never looked at.
  CHECK(present_in_image(root, {"/nowhere/x"}) == std::vector<std::string>{"/nowhere/x"});
}
