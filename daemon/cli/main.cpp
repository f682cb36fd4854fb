// `runbox`: the command-line front of the sandbox, image and policy libraries.
// `runbox image ...` runs the sibling binary runbox-image: image import needs libarchive and its
// dependencies (libxml2, ICU, ...), whose loading would otherwise cost every `runbox exec`
// several milliseconds at start-up.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>

#include "commands.hpp"
#include "run_app.hpp"

namespace {

[[noreturn]] void exec_image_tool(char** argv) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::string tool = (self.parent_path() / "runbox-image").string();
  ::execv(tool.c_str(), argv);
  std::fprintf(stderr, "runbox: cannot run %s: %s\n", tool.c_str(), std::strerror(errno));
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "image") == 0) exec_image_tool(argv);
  CLI::App app{"runbox: run untrusted programs in a sandbox"};
  app.require_subcommand(1);
  runbox::cli::register_exec_command(app);
  runbox::cli::register_policy_command(app);
  runbox::cli::register_key_command(app);
  app.add_subcommand("image", "Import, list and remove image root filesystems (runbox image --help)");
  return runbox::cli::run_app(app, argc, argv);
}
