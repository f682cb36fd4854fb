#include "run_app.hpp"

#include <cstdio>
#include <exception>

namespace runbox::cli {

int run_app(CLI::App& app, int argc, char** argv) {
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

}  // namespace runbox::cli
