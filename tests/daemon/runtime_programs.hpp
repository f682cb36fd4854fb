#pragma once
// For each native runtime, the small programs the runtime tests send through the API, and
// what the language really does when the "crash" program crashes.
#include <optional>
#include <string>
#include <vector>

namespace runbox::test {

struct CrashExpectation {
  std::optional<int> exit_code;        // nullopt: killed by a signal
  std::optional<std::string> signal;   // "SIGSEGV", ... ; nullopt: exited normally
  std::string stderr_contains;         // what the language prints about it
};

struct RuntimeProgram {
  std::string name;   // as in runtimes/<name>.toml
  std::string image;  // /var/lib/runbox/rootfs/<image>
  bool compiled = false;
  std::string hello;         // prints "hello, world\n"
  std::string echo_stdin;    // copies stdin to stdout, byte for byte
  std::string print_args;    // prints its arguments joined by one space, then "\n"
  std::string exit3;         // exits with status 3, printing nothing
  std::string write_stderr;  // writes "err\n" to stderr, nothing to stdout, exits 0
  std::string crash;         // a null dereference, an uncaught exception, ...
  CrashExpectation crash_expect;
  std::string compile_error;  // compiled runtimes: a program that does not compile
  std::string compile_error_contains;  // what the compiler says about it
  std::string a_plus_b;       // reads two integers from stdin, prints their sum and "\n"
  // The test group (a Catch2 tag [runtimes] or [runtimes_<group>]) that checks it: "" for the
  // original twelve ([runtimes]), else "jvm", "functional", "native".
  std::string group = "";
};

// The runtimes added with the jvm, haskell, functional, native and r images (and typescript in
// the node image): appended to the list by runtime_programs_more.cpp.
void add_more_runtime_programs(std::vector<RuntimeProgram>& p);

const std::vector<RuntimeProgram>& runtime_programs();
const RuntimeProgram& runtime_program(const std::string& name);
// The images the runtimes of one group need (each once); "" is the original twelve.
std::vector<std::string> runtime_images(const std::string& group = "");

}  // namespace runbox::test
