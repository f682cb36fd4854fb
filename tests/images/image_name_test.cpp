#include <catch2/catch.hpp>
#include <string>

#include "images/entry_path.hpp"
#include "images/image_error.hpp"
#include "images/image_name.hpp"

using runbox::images::ImageError;
using runbox::images::is_valid_image_name;
using runbox::images::sanitize_entry_path;

TEST_CASE("image names follow [a-z0-9][a-z0-9._-]{0,63}") {
  for (const char* good : {"debian-12", "a", "0", "py3.11_slim", "x..y"}) {
    INFO(good);
    CHECK(is_valid_image_name(good));
  }
  for (const char* bad : {"", ".hidden", "-x", "_x", "Debian", "a/b", "..", "a b", "caf\xc3\xa9"}) {
    INFO(bad);
    CHECK_FALSE(is_valid_image_name(bad));
  }
  CHECK(is_valid_image_name(std::string(64, 'a')));
  CHECK_FALSE(is_valid_image_name(std::string(65, 'a')));
  CHECK_THROWS_WITH(runbox::images::require_valid_image_name("A"),
                    Catch::Contains("invalid image name 'A'"));
}

TEST_CASE("entry paths are made relative and clean, or refused") {
  CHECK(sanitize_entry_path("./etc/passwd", "entry") == "etc/passwd");
  CHECK(sanitize_entry_path("etc//./passwd", "entry") == "etc/passwd");
  CHECK(sanitize_entry_path("././usr/bin/", "entry") == "usr/bin");
  CHECK(sanitize_entry_path("./", "entry") == "");
  CHECK(sanitize_entry_path(".", "entry") == "");
  CHECK(sanitize_entry_path("a..b/..c", "entry") == "a..b/..c");
  CHECK_THROWS_WITH(sanitize_entry_path("/etc/passwd", "entry"), Catch::Contains("absolute"));
  CHECK_THROWS_WITH(sanitize_entry_path("../x", "entry"), Catch::Contains("'..'"));
  CHECK_THROWS_WITH(sanitize_entry_path("a/../../x", "entry"), Catch::Contains("'..'"));
  CHECK_THROWS_WITH(sanitize_entry_path("./a/..", "entry"), Catch::Contains("'..'"));
  CHECK_THROWS_AS(sanitize_entry_path("", "entry"), ImageError);
}
