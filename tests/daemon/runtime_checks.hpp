#pragma once
// One runtime through a running daemon: hello world, stdin, args, an exit status, stderr, a
// crash, a compile error (compiled runtimes) and a two-test judge request, each answer checked
// in full, with the backend the answers must name ("native" or "docker").
#include <string>

#include "daemon_process.hpp"

namespace runbox::test {

void check_runtime_on(DaemonProcess& d, const std::string& name, const std::string& backend);

}  // namespace runbox::test
