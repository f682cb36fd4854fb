#include "commands.hpp"
namespace runbox::cli {
void register_exec_command(CLI::App&) {}
}  // namespace runbox::cli
