#include "config/uid_ranges.hpp"

#include <charconv>
#include <fstream>
#include <optional>

#include "config/config_error.hpp"

namespace runbox::config {
namespace {

std::string range_text(const Policy& p) {
  return std::to_string(p.uid_first) + ".." + std::to_string(std::uint64_t{p.uid_first} + p.uid_count - 1);
}

bool in_range(const Policy& p, std::uint64_t id) { return id >= p.uid_first && id < std::uint64_t{p.uid_first} + p.uid_count; }

std::vector<std::string_view> split_colons(std::string_view line) {
  std::vector<std::string_view> out;
  for (;;) {
    auto c = line.find(':');
    out.push_back(line.substr(0, c));
    if (c == std::string_view::npos) return out;
    line.remove_prefix(c + 1);
  }
}

std::optional<std::uint32_t> parse_id(std::string_view s) {
  std::uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// passwd "name:pw:uid:gid:...", group "name:pw:gid:...". Short lines count as long as they
// hold the ids (more accounts found only refuses more ranges).
void read_accounts(const std::filesystem::path& file, bool is_passwd, std::vector<HostAccount>& out) {
  std::ifstream in(file);
  if (!in)
    throw ConfigError(file.string(), 0, "",
                      "cannot read it: the uid ranges are checked against the host's accounts");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == '+' || line[0] == '-') continue;
    auto f = split_colons(line);
    if (f.size() < (is_passwd ? 4u : 3u) || f[0].empty()) continue;
    if (auto id = parse_id(f[2])) out.push_back({*id, std::string(f[0]), is_passwd ? "uid" : "gid", file.string()});
    if (is_passwd)
      if (auto gid = parse_id(f[3])) out.push_back({*gid, std::string(f[0]), "primary gid", file.string()});
  }
  if (in.bad()) throw ConfigError(file.string(), 0, "", "cannot read it");
}

}  // namespace

std::vector<HostAccount> read_host_accounts(const HostAccountFiles& files) {
  std::vector<HostAccount> out;
  read_accounts(files.passwd, true, out);
  read_accounts(files.group, false, out);
  return out;
}

std::uint32_t probe_uid(const Policy& p, std::uint32_t slots) {
  if (p.uid_count <= slots)
    throw ConfigError(p.origin, p.uid_line, "uids.count",
                      std::to_string(p.uid_count) + " uids leave none for the runtime version probes: the default " +
                          "tier needs one more than the " + std::to_string(slots) + " slots (" +
                          std::to_string(std::uint64_t{slots} + 1) + "; slot i runs as first+i, the probes as first+" +
                          std::to_string(slots) + ")");
  return p.uid_first + slots;
}

void check_uid_ranges_apart(const std::vector<std::pair<std::string, const Policy*>>& tiers) {
  for (std::size_t i = 0; i < tiers.size(); ++i)
    for (std::size_t j = i + 1; j < tiers.size(); ++j) {
      const Policy& a = *tiers[i].second;
      const Policy& b = *tiers[j].second;
      const std::uint64_t a_end = std::uint64_t{a.uid_first} + a.uid_count;
      const std::uint64_t b_end = std::uint64_t{b.uid_first} + b.uid_count;
      if (a.uid_first < b_end && b.uid_first < a_end)
        throw ConfigError(b.origin, b.uid_line, "uids",
                          "tier " + tiers[j].first + "'s uids " + range_text(b) + " overlap tier " + tiers[i].first +
                              "'s uids " + range_text(a) + " (" + a.origin +
                              "): each tier needs a range of its own, or its runs could signal or trace the other's");
    }
}

void check_uid_range_unowned(const Policy& p, const std::vector<HostAccount>& accounts) {
  for (const auto& a : accounts)
    if (in_range(p, a.id))
      throw ConfigError(p.origin, p.uid_line, "uids",
                        "the range " + range_text(p) + " holds " + a.kind + " " + std::to_string(a.id) + " of \"" +
                            a.name + "\" (" + a.file + "); runs use these uids and the same gids, and would act as " +
                            "that account: pick a range no user or group of the host has");
}

}  // namespace runbox::config
