#pragma once
#include <CLI/CLI.hpp>

namespace runbox::cli {

// Parses argv and runs the chosen subcommand's callback: usage errors as CLI11 prints them,
// any other failure as "runbox: <what>" with exit code 1.
int run_app(CLI::App& app, int argc, char** argv);

}  // namespace runbox::cli
