#include "test_env.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace runbox::test {

void skip(const std::string& reason) {
  std::printf("SKIPPED: %s\n", reason.c_str());
  std::fflush(stdout);
  std::_Exit(77);
}

void require_root() {
  if (geteuid() != 0) skip("needs root (namespaces, mounts, cgroups)");
}

std::filesystem::path require_image(const std::string& name) {
  const char* dir = std::getenv("RUNBOX_ROOTFS_DIR");
  std::filesystem::path p = std::filesystem::path(dir ? dir : "/var/lib/runbox/rootfs") / name;
  if (!std::filesystem::is_directory(p / "usr"))
    skip("runtime image '" + name + "' is not at " + p.string() + " (sudo ./scripts/test builds it)");
  return p;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::filesystem::path& p, const std::string& content, unsigned mode) {
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + p.string());
    out << content;
  }
  std::filesystem::permissions(p, static_cast<std::filesystem::perms>(mode));
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "runbox-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);  // remove_all does not follow symlinks
}

}  // namespace runbox::test
