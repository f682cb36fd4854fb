#include "piston/piston_request.hpp"

#include <boost/json.hpp>
#include <cmath>

#include "api/base64.hpp"
#include "api/file_name.hpp"

namespace runbox::piston {
namespace {

namespace json = boost::json;

struct Fail {
  PistonError error;
};
[[noreturn]] void fail(std::string message) { throw Fail{{400, std::move(message)}}; }

// Piston's limit fields: where each goes in the core's request, and how its unit converts.
struct LimitField {
  const char* name;
  bool compile;
  enum class Unit { wall_ms, cpu_ms, memory_bytes } unit;
};
constexpr LimitField kLimits[] = {
    {"compile_memory_limit", true, LimitField::Unit::memory_bytes}, {"run_memory_limit", false, LimitField::Unit::memory_bytes},
    {"compile_timeout", true, LimitField::Unit::wall_ms},           {"run_timeout", false, LimitField::Unit::wall_ms},
    {"compile_cpu_time", true, LimitField::Unit::cpu_ms},           {"run_cpu_time", false, LimitField::Unit::cpu_ms},
};

std::optional<std::string> hex_decode(std::string_view s) {
  if (s.size() % 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size() / 2);
  for (std::size_t i = 0; i < s.size(); i += 2) {
    int hi = nibble(s[i]), lo = nibble(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

// Piston's rule: 0, null or missing takes the default; not a number is an error; negative
// is an error — except memory, where -1 is Piston's own default ("no limit"), which runbox
// reads as its policy's default (a run is never unlimited: docs/compat.md).
void read_limit(const json::object& o, const LimitField& f, api::RunRequest& r) {
  const json::value* v = o.if_contains(f.name);
  if (!v || v->is_null()) return;
  if (!v->is_number()) fail(std::string("If specified, ") + f.name + " must be a number");
  const double d = v->to_number<double>();
  if (d == 0) return;
  if (d < 0) {
    if (f.unit == LimitField::Unit::memory_bytes) return;
    fail(std::string(f.name) + " must be non-negative");
  }
  config::LimitOverrides& l = f.compile ? r.compile_limits : r.limits;
  const auto whole = static_cast<std::uint64_t>(std::ceil(std::min(d, 1e15)));
  switch (f.unit) {
    case LimitField::Unit::wall_ms: l.wall_ms = whole; break;
    case LimitField::Unit::cpu_ms: l.cpu_ms = whole; break;
    case LimitField::Unit::memory_bytes: l.memory_mb = (whole + (1u << 20) - 1) >> 20; break;
  }
}

ExecuteRequest read(const json::object& o) {
  ExecuteRequest req;
  const json::value* language = o.if_contains("language");
  if (!language || !language->is_string()) fail("language is required as a string");
  req.language = std::string(language->as_string());
  const json::value* version = o.if_contains("version");
  if (!version || !version->is_string()) fail("version is required as a string");
  req.version = std::string(version->as_string());
  const json::value* files = o.if_contains("files");
  if (!files || !files->is_array()) fail("files is required as an array");
  bool have_main = false;
  std::vector<std::string> names;
  const auto& list = files->as_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = "files[" + std::to_string(i) + "]";
    const json::object* f = list[i].if_object();
    const json::value* content = f ? f->if_contains("content") : nullptr;
    if (!content || !content->is_string()) fail(at + ".content is required as a string");
    std::string encoding = "utf8";
    if (const json::value* e = f->if_contains("encoding"); e && e->is_string()) encoding = std::string(e->as_string());
    std::string name = "file" + std::to_string(i) + ".code";
    if (const json::value* n = f->if_contains("name"); n && n->is_string()) name = std::string(n->as_string());
    std::string bytes(content->as_string());
    if (encoding == "base64" || encoding == "hex") {
      auto decoded = encoding == "base64" ? api::base64_decode(bytes) : hex_decode(bytes);
      if (!decoded) fail(at + ".content is not valid " + encoding);
      bytes = std::move(*decoded);
    } else {
      encoding = "utf8";  // Piston reads any other value as utf8
    }
    if (encoding == "utf8" && !have_main) {
      // The main file: written as the runtime's own source file, which its commands name.
      have_main = true;
      req.core.files.insert(req.core.files.begin(), api::SourceFile{"", std::move(bytes)});
      continue;
    }
    if (auto why = api::file_name_problem(name)) fail(at + ".name: " + *why);
    names.push_back(name);
    req.core.files.push_back(api::SourceFile{std::move(name), std::move(bytes)});
  }
  if (auto conflict = api::file_names_conflict(names)) fail(*conflict);
  if (!have_main) fail("files must include at least one utf8 encoded file");
  if (const json::value* s = o.if_contains("stdin"); s && !s->is_null()) {
    if (!s->is_string()) fail("stdin must be a string");
    req.core.stdin_data = std::string(s->as_string());
  }
  // Piston's quirk: stdin always ends in a newline (an empty one becomes "\n").
  if (req.core.stdin_data.empty() || req.core.stdin_data.back() != '\n') req.core.stdin_data += '\n';
  if (const json::value* a = o.if_contains("args"); a && !a->is_null()) {
    if (!a->is_array()) fail("args must be an array of strings");
    for (const auto& x : a->as_array()) {
      if (!x.is_string()) fail("args must be an array of strings");
      req.core.args.emplace_back(x.as_string());
    }
  }
  for (const auto& f : kLimits) read_limit(o, f, req.core);
  return req;
}

}  // namespace

std::variant<ExecuteRequest, PistonError> parse_execute(std::string_view body) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  json::value v = json::parse(body, ec, {}, opts);
  if (ec) return PistonError{400, "the body is not valid JSON: " + ec.message()};
  if (!v.is_object()) return PistonError{400, "the body must be a JSON object"};
  try {
    return read(v.as_object());
  } catch (const Fail& f) {
    return f.error;
  }
}

PistonLimit piston_limit(const std::string& core_field, std::uint64_t core_maximum) {
  const bool compile = core_field.starts_with("compile_limits.");
  const std::string field = core_field.substr(core_field.find('.') + 1);
  const std::string stage = compile ? "compile_" : "run_";
  if (field == "wall_ms") return {stage + "timeout", core_maximum};
  if (field == "cpu_ms") return {stage + "cpu_time", core_maximum};
  if (field == "memory_mb") return {stage + "memory_limit", core_maximum << 20};
  return {};
}

}  // namespace runbox::piston
