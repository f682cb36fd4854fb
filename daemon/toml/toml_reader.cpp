#include "toml/toml_reader.hpp"

#include <exception>
#include <fstream>
#include <sstream>

namespace runbox::tomlfile {
namespace {

[[noreturn]] void raise_error(const Errors& errors, const std::string& file, int line, const std::string& field,
                        const std::string& message) {
  errors.raise(file, line, field, message);
  std::terminate();  // a raise that returned: reading on would use what is not there
}

}  // namespace

int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

std::string type_name(const toml::node& n) {
  std::ostringstream s;
  s << n.type();
  return s.str();
}

toml::table parse_toml(const std::string& text, const std::string& origin, const Errors& errors) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    raise_error(errors, origin, static_cast<int>(e.source().begin.line), "",
          std::string(errors.syntax) + ": " + std::string(e.description()));
  }
}

std::string read_text_file(const std::filesystem::path& file, const Errors& errors) {
  std::ifstream in(file, std::ios::binary);
  if (!in) raise_error(errors, file.string(), 0, "", "cannot read the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) raise_error(errors, file.string(), 0, "", "cannot read the file");
  return ss.str();
}

void TomlReader::fail(int line, const std::string& field, const std::string& message) const {
  raise_error(errors_, origin_, line, field, message);
}

void TomlReader::fail(const toml::node& at, const std::string& field, const std::string& message) const {
  fail(line_of(at), field, message);
}

void TomlReader::refuse_unknown_keys(const toml::table& t, const std::string& prefix,
                                     std::initializer_list<std::string_view> known) const {
  for (auto&& [key, value] : t) {
    bool ok = false;
    for (auto k : known) ok = ok || key.str() == k;
    if (!ok) {
      std::string expected;
      for (auto k : known) expected += (expected.empty() ? "" : ", ") + std::string(k);
      fail(value, prefix + std::string(key.str()), "unknown key (expected one of: " + expected + ")");
    }
  }
}

const toml::node& TomlReader::require(const toml::table& t, std::string_view key,
                                      const std::string& field) const {
  const toml::node* n = t.get(key);
  if (!n) fail(t, field, "missing");
  return *n;
}

const toml::table& TomlReader::table(const toml::node& n, const std::string& field) const {
  const auto* t = n.as_table();
  if (!t) fail(n, field, "expected a table, got " + type_name(n));
  return *t;
}

const std::string& TomlReader::string(const toml::node& n, const std::string& field) const {
  const auto* s = n.as_string();
  if (!s) fail(n, field, "expected a string, got " + type_name(n));
  return s->get();
}

std::uint64_t TomlReader::unsigned_int(const toml::node& n, const std::string& field, std::uint64_t max) const {
  const auto* i = n.as_integer();
  if (!i) fail(n, field, "expected an integer, got " + type_name(n));
  if (i->get() < 0) fail(n, field, "must not be negative (got " + std::to_string(i->get()) + ")");
  auto v = static_cast<std::uint64_t>(i->get());
  if (v > max) fail(n, field, "must be at most " + std::to_string(max) + " (got " + std::to_string(v) + ")");
  return v;
}

double TomlReader::number(const toml::node& n, const std::string& field) const {
  if (const auto* f = n.as_floating_point()) return f->get();
  if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
  fail(n, field, "expected a number, got " + type_name(n));
}

std::vector<std::string> TomlReader::string_array(const toml::node& n, const std::string& field) const {
  const auto* a = n.as_array();
  if (!a) fail(n, field, "expected an array of strings, got " + type_name(n));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < a->size(); ++i)
    out.push_back(string(*a->get(i), field + "[" + std::to_string(i) + "]"));
  return out;
}

}  // namespace runbox::tomlfile
