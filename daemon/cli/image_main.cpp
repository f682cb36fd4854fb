// runbox-image: `runbox image ...`, in a binary of its own so that only it loads libarchive.

#include "commands.hpp"
#include "run_app.hpp"

int main(int argc, char** argv) {
  CLI::App app{"runbox: run untrusted programs in a sandbox"};
  app.require_subcommand(1);
  runbox::cli::register_image_commands(app);
  return runbox::cli::run_app(app, argc, argv);
}
