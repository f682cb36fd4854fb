#include "config/placeholders.hpp"

namespace runbox::config {

std::optional<std::uint64_t> placeholder_value(std::string_view name, const sandbox::Limits& l) {
  if (name == "cpu_ms") return l.cpu_ms;
  if (name == "wall_ms") return l.wall_ms;
  if (name == "memory_mb") return l.memory_mb;
  if (name == "pids") return l.pids;
  if (name == "output_kb") return l.output_kb;
  if (name == "file_size_kb") return l.file_size_kb;
  if (name == "box_mb") return l.box_mb;
  if (name == "tmp_mb") return l.tmp_mb;
  if (name == "nofile") return l.nofile;
  if (name == "stack_mb") return l.stack_mb;
  return std::nullopt;
}

void for_each_placeholder(std::string_view arg, const std::function<void(const Placeholder&)>& f) {
  std::size_t i = 0;
  while ((i = arg.find('{', i)) != std::string_view::npos) {
    std::size_t j = i + 1;
    while (j < arg.size() && ((arg[j] >= 'a' && arg[j] <= 'z') || arg[j] == '_')) ++j;
    std::size_t name_end = j;
    std::size_t factor_begin = j;
    if (j < arg.size() && arg[j] == '*') {
      factor_begin = ++j;
      while (j < arg.size() && arg[j] >= '0' && arg[j] <= '9') ++j;
      if (j == factor_begin) { ++i; continue; }
    }
    if (name_end == i + 1 || j >= arg.size() || arg[j] != '}') { ++i; continue; }
    f(Placeholder{i, j + 1 - i, arg.substr(i + 1, name_end - i - 1),
                  arg.substr(factor_begin, j - factor_begin)});
    i = j + 1;
  }
}

std::uint64_t parse_factor(std::string_view digits) {
  if (digits.empty()) return 1;
  if (digits.size() > 4) return 0;  // over the bound; refused by the caller
  std::uint64_t v = 0;
  for (char c : digits) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  return v;
}

std::string expand_placeholders(std::string_view arg, const sandbox::Limits& limits) {
  std::string out;
  std::size_t copied = 0;
  for_each_placeholder(arg, [&](const Placeholder& p) {
    auto v = placeholder_value(p.name, limits);
    std::uint64_t k = parse_factor(p.factor);
    if (!v || k < 1 || k > kMaxPlaceholderFactor) return;  // refused at load; left as written
    out.append(arg.substr(copied, p.pos - copied));
    out += std::to_string(*v * k);
    copied = p.pos + p.len;
  });
  out.append(arg.substr(copied));
  return out;
}

std::vector<std::string> expand_placeholders(const std::vector<std::string>& argv, const sandbox::Limits& limits) {
  std::vector<std::string> out;
  out.reserve(argv.size());
  for (const auto& a : argv) out.push_back(expand_placeholders(a, limits));
  return out;
}

}  // namespace runbox::config
