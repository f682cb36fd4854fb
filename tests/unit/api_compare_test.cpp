#include <catch2/catch.hpp>

#include "api/compare.hpp"

using runbox::api::Compare;
using runbox::api::compare_output;

TEST_CASE("api compare exact: byte-equal only", "[api]") {
  CHECK(compare_output(Compare::exact, "3\n", "3\n"));
  CHECK(compare_output(Compare::exact, "", ""));
  CHECK_FALSE(compare_output(Compare::exact, "3\n", "3"));
  CHECK_FALSE(compare_output(Compare::exact, "3\n", "3 \n"));
  CHECK_FALSE(compare_output(Compare::exact, "3\n", "3\r\n"));
}

TEST_CASE("api compare trim: trailing whitespace per line and at the end is ignored", "[api]") {
  CHECK(compare_output(Compare::trim, "3\n", "3"));
  CHECK(compare_output(Compare::trim, "3", "3\n\n\n"));
  CHECK(compare_output(Compare::trim, "1 2\n3\n", "1 2   \n3\t\n"));
  CHECK(compare_output(Compare::trim, "1\n2\n", "1\r\n2\r\n"));  // CRLF counts as LF
  CHECK(compare_output(Compare::trim, "", "\n \n\t\n"));
  CHECK(compare_output(Compare::trim, "a\n", "a \n  \n"));
}

TEST_CASE("api compare trim: leading whitespace, inner blank lines and content still count", "[api]") {
  CHECK_FALSE(compare_output(Compare::trim, "3\n", " 3\n"));
  CHECK_FALSE(compare_output(Compare::trim, "1\n2\n", "1\n\n2\n"));
  CHECK_FALSE(compare_output(Compare::trim, "1 2\n", "1  2\n"));
  CHECK_FALSE(compare_output(Compare::trim, "3\n", "4\n"));
  CHECK_FALSE(compare_output(Compare::trim, "3\n", ""));
  CHECK_FALSE(compare_output(Compare::trim, "1\n2\n", "12\n"));
}

TEST_CASE("api compare tokens: any ASCII whitespace separates tokens", "[api]") {
  CHECK(compare_output(Compare::tokens, "1 2\n3\n", "1\n2 3"));
  CHECK(compare_output(Compare::tokens, "  1\t2  ", "1 2\r\n\v\f"));
  CHECK(compare_output(Compare::tokens, "", " \n "));
  CHECK_FALSE(compare_output(Compare::tokens, "1 2", "12"));
  CHECK_FALSE(compare_output(Compare::tokens, "1 2", "2 1"));
  CHECK_FALSE(compare_output(Compare::tokens, "1 2", "1 2 3"));
  CHECK_FALSE(compare_output(Compare::tokens, "1.0", "1"));  // tokens are compared as text
}
