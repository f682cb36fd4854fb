// `runbox`: the command-line front of the sandbox and image libraries.
#include <cstdio>
#include <exception>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"runbox: run untrusted programs in a sandbox"};
  app.require_subcommand(1);
  runbox::cli::register_exec_command(app);
  runbox::cli::register_image_commands(app);
  runbox::cli::register_policy_command(app);
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
