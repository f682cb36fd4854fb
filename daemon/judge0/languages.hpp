#pragma once
// Judge0's language ids for runbox's runtimes. Judge0 clients hard-code ids (71 is Python 3), so
// the ids are Judge0 CE's own (db/languages/active.rb); the names carry the version runbox
// probed ("Python (3.11.2)"). A row whose runtime this daemon does not have is not offered.
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "service/runtime_catalog.hpp"

namespace runbox::judge0 {

struct Language {
  int id;
  std::string_view runtime;      // runbox's runtime name
  std::string_view name_format;  // "Python (%)": % becomes the probed version number
  bool compiler_options = false;  // compiler_options may be appended to the compile command
};

// Every id runbox knows, in id order.
std::span<const Language> all_languages();
const Language* language_by_id(int id);

// "Python (3.11.2)": the first dotted number of the probed version ("Python 3.11.2",
// "gcc (Debian 12.2.0-14) 12.2.0"), or the whole text when there is none; "Python" alone
// without a version.
std::string language_name(const Language& l, const std::optional<std::string>& version);

}  // namespace runbox::judge0
