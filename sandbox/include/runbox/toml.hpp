#pragma once
// toml++, compiled into runbox (header-only: no shared object to load at every `runbox exec`).
// Its internal assertions stay off, as in the distribution's shared library: in a build without
// NDEBUG (the sanitizer tree) the debug assertion at the top of parse_key() fires on malformed
// input that the parser then reports as an ordinary parse error (fuzz: policy_toml found it once
// the parser was compiled in). Include this, never <toml++/toml.h> directly.
#define TOML_ASSERT(expr) static_assert(true)
#include <toml++/toml.h>
