// A runtime's version, read from its version command's output (service/runtime_probe.hpp).
#include <catch2/catch.hpp>

#include "service/runtime_probe.hpp"

using runbox::service::parse_version_output;

TEST_CASE("service probe: the version string is the first non-empty line of stdout, else stderr", "[service][probe]") {
  CHECK(parse_version_output("Python 3.11.2\n", "") == "Python 3.11.2");
  CHECK(parse_version_output("\nThis is perl 5, version 36\n\nCopyright\n", "") == "This is perl 5, version 36");
  CHECK(parse_version_output("", "openjdk version \"17.0.9\" 2023-10-17\nOpenJDK Runtime\n") ==
        "openjdk version \"17.0.9\" 2023-10-17");
  CHECK(parse_version_output("  \r\n", "  go version go1.19.8  \r\n") == "go version go1.19.8");
  CHECK(parse_version_output("v18.20.4", "warning") == "v18.20.4");
  CHECK(parse_version_output(" \n", "\n") == std::nullopt);
}
