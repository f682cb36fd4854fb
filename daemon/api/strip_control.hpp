#pragma once
// The request's "strip_control": the answer's output without control characters other than
// "\n" and "\t" — C0 (0x00-0x1f), DEL (0x7f) and C1 (U+0080-U+009F, as UTF-8 C2 80-C2 9F) —
// so a grader's page or terminal shows what the program printed, not what it makes a terminal do.
#include <string>

namespace runbox::api {

void strip_control(std::string& text);

}  // namespace runbox::api
