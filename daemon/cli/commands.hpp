#pragma once
#include <CLI/CLI.hpp>

namespace runbox::cli {

// Each verb registers its subcommand and its callback; main() only parses and dispatches.
void register_exec_command(CLI::App& app);
void register_image_commands(CLI::App& app);
void register_policy_command(CLI::App& app);
void register_key_command(CLI::App& app);

}  // namespace runbox::cli
