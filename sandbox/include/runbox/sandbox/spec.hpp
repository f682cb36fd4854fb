#pragma once
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runbox/sandbox/limits.hpp"

namespace runbox::sandbox {

class SeccompProgram;
class LiveIo;

// One program to run in an image rootfs.
struct Spec {
  std::filesystem::path rootfs;                // image root directory; mounted read-only
  std::vector<std::string> argv;               // argv[0] is looked up in PATH inside the rootfs
  std::vector<std::string> env;                // KEY=VALUE added to PATH, HOME=/box, LANG=C.UTF-8
  std::string cwd = "/box";                    // working directory inside the sandbox
  std::string stdin_data;                      // fed to the program's stdin, then EOF
  // Host directory mounted read-write at /box (a WorkDir: size-limited tmpfs the caller owns,
  // so a compile stage's output survives for the run stage). Unset: a fresh tmpfs of box_mb.
  std::optional<std::filesystem::path> box_dir;
  Limits limits;
  std::shared_ptr<const SeccompProgram> seccomp;  // required: no filter, no run
  uid_t uid = 65534;
  gid_t gid = 65534;
  std::string hostname = "runbox";
  int cancel_fd = -1;                          // becomes readable → the run is killed
  // Interactive: output handed over as read, stdin and signals while the program runs (after
  // stdin_data). Unset: stdin_data then EOF, output only in the Result.
  std::shared_ptr<LiveIo> live;
};

// The environment a program starts with: nothing from the caller, only PATH, HOME=/box and
// LANG=C.UTF-8, then the spec's own KEY=VALUE entries (which replace a default of the same
// key). The docker backend gives its containers the same.
std::vector<std::string> sandbox_environment(const std::vector<std::string>& extra);

}  // namespace runbox::sandbox
