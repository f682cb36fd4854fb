// runbox-image: `runbox image ...`, in a binary of its own so that only it loads libarchive.
#include <cstdio>
#include <exception>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"runbox: run untrusted programs in a sandbox"};
  app.require_subcommand(1);
  runbox::cli::register_image_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "runbox: %s\n", e.what());
    return 1;
  }
  return 0;
}
