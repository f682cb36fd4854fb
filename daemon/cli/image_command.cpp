#include "commands.hpp"
namespace runbox::cli {
void register_image_commands(CLI::App&) {}
}  // namespace runbox::cli
