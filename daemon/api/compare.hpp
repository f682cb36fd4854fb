#pragma once
#include <string_view>

#include "api/run_request.hpp"

namespace runbox::api {

// Judge mode: does a test's actual stdout match its expected_stdout? Both are raw bytes.
//  exact:  byte-equal.
//  trim:   whitespace (space, \t, \r, \v, \f) at the end of each line and blank lines at the end
//          are ignored; so "\r\n" equals "\n" and a missing final newline does not matter.
//          Leading whitespace and blank lines in the middle still count.
//  tokens: both split on ASCII whitespace; the token sequences must be equal.
//  float_tokens: as tokens, but two tokens that are both numbers match within `tolerance`
//          (absolute or relative, as testlib's doubleCompare); other tokens byte-equal.
//  lines_unordered: the lines, compared as trim does, are the same multiset (any order).
//  checker: never here (the job runs the checker program); false.
bool compare_output(Compare mode, std::string_view expected, std::string_view actual, FloatTolerance tolerance = {});

}  // namespace runbox::api
