#include <catch2/catch.hpp>

#include "runbox/sandbox/result.hpp"

using runbox::sandbox::signal_name;

TEST_CASE("signal names", "[result]") {
  CHECK(signal_name(11) == "SIGSEGV");
  CHECK(signal_name(9) == "SIGKILL");
  CHECK(signal_name(25) == "SIGXFSZ");
  CHECK(signal_name(99) == "SIG99");
}
