#include <catch2/catch.hpp>

#include <string>

#include "api/base64.hpp"

using runbox::api::base64_decode;
using runbox::api::base64_encode;

TEST_CASE("api base64: RFC 4648 test vectors", "[api]") {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    INFO(plain);
    CHECK(base64_encode(plain) == encoded);
    CHECK(base64_decode(encoded) == std::string(plain));
  }
}

TEST_CASE("api base64: every byte value round-trips, at every length mod 3", "[api]") {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  CHECK(base64_encode("\xfb\xff") == "+/8=");  // the two non-alphanumeric characters
  for (std::size_t cut = 0; cut < 3; ++cut) {
    const std::string bytes = all.substr(cut);
    const auto back = base64_decode(base64_encode(bytes));
    REQUIRE(back);
    CHECK(*back == bytes);
  }
}

TEST_CASE("api base64: invalid characters and bad padding are refused", "[api]") {
  for (const char* bad : {
           "Zg",        // no padding
           "Zg=",       // short padding
           "Zm9",       // length not a multiple of 4
           "Zg===",     // too much padding
           "====",      // only padding
           "Z===",      // one data character cannot make a byte
           "Zg==Zg==",  // padding in the middle
           "Zm=v",      // '=' inside a group
           "Zm9v\n",    // line break
           "Zm 9v",     // space
           "Zm9-",      // URL-safe alphabet
           "Zm9_",
           "Zm9*",
           "Zh==",      // non-zero bits after the last byte: not the canonical "Zg=="
           "Zm9=",      // non-zero bits: canonical is "Zm8="
       }) {
    INFO(bad);
    CHECK_FALSE(base64_decode(bad));
  }
  CHECK_FALSE(base64_decode(std::string("Zm9v\0\0\0\0", 8)));
}
