#include <catch2/catch.hpp>

#include "runbox/sandbox/result.hpp"

using runbox::sandbox::signal_name;

TEST_CASE("signal names", "[result]") {
  CHECK(signal_name(11) == "SIGSEGV");
  CHECK(signal_name(9) == "SIGKILL");
  CHECK(signal_name(25) == "SIGXFSZ");
  CHECK(signal_name(99) == "SIG99");
}

TEST_CASE("result: stdout and stderr interleaved in arrival order, cut bytes skipped, the rest after", "[result]") {
  runbox::sandbox::Result r;
  r.stdout_data = "ab";
  r.stderr_data = "XYZ";
  r.output_order = {{1, 1}, {2, 2}, {1, 1}, {2, 1}};
  CHECK(runbox::sandbox::interleaved_output(r) == "aXYbZ");
  r.stdout_data = "a";  // a later cut (the answer's output budget) removed "b"
  CHECK(runbox::sandbox::interleaved_output(r) == "aXYZ");
  r.output_order.clear();  // not recorded: stdout, then stderr
  CHECK(runbox::sandbox::interleaved_output(r) == "aXYZ");
}
