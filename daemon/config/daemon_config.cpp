#include "config/daemon_config.hpp"

#include <sched.h>

#include <cctype>
#include <charconv>
#include <thread>

#include "config/config_toml.hpp"

namespace runbox::config {
namespace {

using tomlfile::line_of;
using tomlfile::TomlReader;

constexpr std::uint64_t kMaxSlots = 4096;
constexpr std::uint64_t kMaxQueue = 1000000;
constexpr std::uint64_t kMaxBody = std::uint64_t{1} << 32;
constexpr std::uint64_t kMaxConnections = 1000000;

// "https://judge.example" or "http://127.0.0.1:3000": what browsers send as Origin.
bool is_origin_text(const std::string& s) {
  auto sep = s.find("://");
  if (sep == std::string::npos || sep == 0 || sep + 3 >= s.size()) return false;
  for (char c : s)
    if (c <= ' ' || static_cast<unsigned char>(c) >= 0x7f) return false;
  return s.find('/', sep + 3) == std::string::npos;  // no path, no trailing slash
}

bool is_host_name(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.')) return false;
  return true;
}

// The source tree this file was compiled from (CMake passes it; not __FILE__, which a
// compiler cache may have made relative). Only a fallback for running from a checkout.
std::filesystem::path source_tree() { return RUNBOX_SOURCE_TREE; }

std::filesystem::path installed_or_source(const char* installed, const char* in_tree) {
  std::error_code ec;
  if (std::filesystem::is_directory(installed, ec)) return installed;
  std::filesystem::path src = source_tree() / in_tree;
  if (src.is_absolute() && std::filesystem::is_directory(src, ec)) return src;
  return installed;
}

bool parse_port(std::string_view s, std::uint16_t& port) {
  if (s.empty() || s.size() > 5) return false;
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > 65535) return false;
  port = static_cast<std::uint16_t>(v);
  return true;
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& p) {
  std::filesystem::path path(p);
  return path.is_absolute() || base.empty() ? path : base / path;
}

}  // namespace

std::optional<Listener> parse_listener(std::string_view text, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<Listener> {
    if (error) *error = why;
    return std::nullopt;
  };
  Listener l;
  l.text = std::string(text);
  if (text.starts_with("unix:")) {
    l.kind = Listener::Kind::unix_socket;
    l.path = std::string(text.substr(5));
    if (l.path.empty() || l.path[0] != '/') return fail("a unix socket needs an absolute path (unix:/run/runbox.sock)");
    if (l.path.size() > 107) return fail("a unix socket path is at most 107 bytes");
    return l;
  }
  std::string_view host, port;
  if (text.starts_with("[")) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return fail("expected [IPV6]:PORT");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("expected HOST:PORT, [IPV6]:PORT or unix:/PATH");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return fail("an IPv6 address needs brackets: [::1]:8080");
  }
  if (host.empty()) return fail("the host is empty (use 0.0.0.0 or [::] for every address)");
  if (!parse_port(port, l.port)) return fail("the port must be a number 0..65535");
  l.host = std::string(host);
  return l;
}

std::filesystem::path default_runtimes_dir() { return installed_or_source("/etc/runbox/runtimes", "runtimes"); }
std::filesystem::path default_policies_dir() { return installed_or_source("/etc/runbox/policies", "policies"); }
std::filesystem::path default_playground_dir() { return installed_or_source(RUNBOX_PLAYGROUND_INSTALLED_DIR, "playground"); }

std::uint32_t default_slots() {
  cpu_set_t set;
  CPU_ZERO(&set);
  int n = 0;
  if (sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  return n > 0 ? static_cast<std::uint32_t>(n) : 1;
}

DaemonConfig default_daemon_config() {
  DaemonConfig c;
  c.listen.push_back(*parse_listener("127.0.0.1:8080"));
  c.runtimes_dir = default_runtimes_dir();
  c.policies_dir = default_policies_dir();
  c.playground.dir = default_playground_dir();
  c.slots = default_slots();
  return c;
}

DaemonConfig parse_daemon_config(const std::string& text, const std::string& origin,
                                 const std::filesystem::path& base_dir) {
  toml::table root = tomlfile::parse_toml(text, origin, toml_errors);
  TomlReader r(origin, toml_errors);
  r.refuse_unknown_keys(root, "", {"listen", "grpc_listen", "runtimes_dir", "policies_dir", "policy", "images_root", "image_cache", "slots",
                                   "queue_size", "max_body_bytes", "keys", "log_format", "docker_socket",
                                   "max_connections", "allowed_origins", "allowed_hosts", "judge0", "interactive", "cache",
                                   "drain", "stats", "playground"});
  DaemonConfig c = default_daemon_config();
  c.file = origin;

  // listen and grpc_listen: one address or a list of them.
  auto listeners = [&](std::string_view key, std::vector<Listener>& out, bool may_be_empty) {
    const toml::node* n = root.get(key);
    if (!n) return;
    const std::string name(key);
    std::vector<std::string> items;
    std::vector<const toml::node*> nodes;
    if (n->is_string()) {
      items.push_back(r.string(*n, name));
      nodes.push_back(n);
    } else {
      items = r.string_array(*n, name);
      for (std::size_t i = 0; i < items.size(); ++i) nodes.push_back(n->as_array()->get(i));
      if (items.empty() && !may_be_empty) r.fail(*n, name, "needs at least one address");
    }
    out.clear();
    for (std::size_t i = 0; i < items.size(); ++i) {
      std::string why;
      auto l = parse_listener(items[i], &why);
      const std::string field = n->is_string() ? name : name + "[" + std::to_string(i) + "]";
      if (!l) r.fail(*nodes[i], field, "\"" + items[i] + "\": " + why);
      out.push_back(*l);
    }
  };
  listeners("listen", c.listen, false);
  listeners("grpc_listen", c.grpc_listen, true);
  auto path_key = [&](std::string_view key, std::filesystem::path& out) {
    if (const toml::node* n = root.get(key)) {
      const std::string& s = r.string(*n, std::string(key));
      if (s.empty()) r.fail(*n, std::string(key), "must not be empty");
      out = resolve(base_dir, s);
    }
  };
  path_key("runtimes_dir", c.runtimes_dir);
  path_key("policies_dir", c.policies_dir);
  path_key("images_root", c.images_root);
  path_key("image_cache", c.image_cache);
  path_key("docker_socket", c.docker_socket);
  if (root.get("keys")) {
    std::filesystem::path k;
    path_key("keys", k);
    c.keys_file = k;
  }
  if (const toml::node* n = root.get("log_format")) {
    c.log_format = r.string(*n, "log_format");
    if (c.log_format != "json" && c.log_format != "text") r.fail(*n, "log_format", "must be \"json\" or \"text\"");
  }
  if (const toml::node* n = root.get("policy")) {
    const std::string& s = r.string(*n, "policy");
    if (s.empty()) r.fail(*n, "policy", "must not be empty");
    c.policy = s;  // relative to policies_dir, which a flag may still change
  }
  if (const toml::node* n = root.get("slots")) {
    std::uint64_t v = r.unsigned_int(*n, "slots", kMaxSlots);
    if (v == 0) r.fail(*n, "slots", "must be at least 1 (leave it out for one slot per CPU)");
    c.slots = static_cast<std::uint32_t>(v);
  }
  if (const toml::node* n = root.get("queue_size"))
    c.queue_size = static_cast<std::uint32_t>(r.unsigned_int(*n, "queue_size", kMaxQueue));
  if (const toml::node* n = root.get("max_connections")) {
    std::uint64_t v = r.unsigned_int(*n, "max_connections", kMaxConnections);
    if (v == 0) r.fail(*n, "max_connections", "must be at least 1");
    c.max_connections = static_cast<std::uint32_t>(v);
  }
  if (const toml::node* n = root.get("allowed_origins")) {
    c.allowed_origins = r.string_array(*n, "allowed_origins");
    for (std::size_t i = 0; i < c.allowed_origins.size(); ++i)
      if (!is_origin_text(c.allowed_origins[i]))
        r.fail(*n, "allowed_origins[" + std::to_string(i) + "]",
               "\"" + c.allowed_origins[i] + "\" is not an origin (scheme://host[:port], no path)");
  }
  if (const toml::node* n = root.get("allowed_hosts")) {
    c.allowed_hosts = r.string_array(*n, "allowed_hosts");
    for (std::size_t i = 0; i < c.allowed_hosts.size(); ++i) {
      for (auto& ch : c.allowed_hosts[i]) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (!is_host_name(c.allowed_hosts[i]))
        r.fail(*n, "allowed_hosts[" + std::to_string(i) + "]",
               "\"" + c.allowed_hosts[i] + "\" is not a host name (letters, digits, '-' and '.', no port)");
    }
  }
  if (const toml::node* n = root.get("max_body_bytes")) {
    c.max_body_bytes = r.unsigned_int(*n, "max_body_bytes", kMaxBody);
    if (c.max_body_bytes == 0) r.fail(*n, "max_body_bytes", "must be at least 1");
  }
  read_judge0_config(root, r, base_dir, c.judge0);
  read_interactive_config(root, r, c.interactive);
  read_cache_config(root, r, c.cache);
  read_drain_config(root, r, c.drain);
  read_stats_config(root, r, base_dir, c.stats);
  read_playground_config(root, r, base_dir, c.playground);
  return c;
}

DaemonConfig load_daemon_config_file(const std::filesystem::path& file, bool must_exist) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    if (must_exist) throw ConfigError(file.string(), 0, "", "the configuration file does not exist");
    return default_daemon_config();
  }
  return parse_daemon_config(tomlfile::read_text_file(file, toml_errors), file.string(), file.parent_path());
}

DaemonConfig load_daemon_config(const std::optional<std::filesystem::path>& path) {
  if (path) return load_daemon_config_file(*path, true);
  return load_daemon_config_file(kDefaultConfigFile, false);
}

void apply_overrides(DaemonConfig& config, const DaemonConfigOverrides& o) {
  const std::string origin = "command line";
  auto listeners = [&](const std::vector<std::string>& texts, const char* flag, std::vector<Listener>& out) {
    if (texts.empty()) return;
    std::vector<Listener> ls;
    for (const auto& text : texts) {
      std::string why;
      auto l = parse_listener(text, &why);
      if (!l) throw ConfigError(origin, 0, flag, "\"" + text + "\": " + why);
      ls.push_back(*l);
    }
    out = std::move(ls);
  };
  listeners(o.listen, "--listen", config.listen);
  listeners(o.grpc_listen, "--grpc-listen", config.grpc_listen);
  if (o.runtimes_dir) {
    if (o.runtimes_dir->empty()) throw ConfigError(origin, 0, "--runtimes-dir", "must not be empty");
    config.runtimes_dir = *o.runtimes_dir;
  }
  if (o.policies_dir) {
    if (o.policies_dir->empty()) throw ConfigError(origin, 0, "--policies-dir", "must not be empty");
    config.policies_dir = *o.policies_dir;
  }
  if (o.slots) {
    if (*o.slots == 0 || *o.slots > kMaxSlots)
      throw ConfigError(origin, 0, "--slots", "must be 1.." + std::to_string(kMaxSlots));
    config.slots = *o.slots;
  }
  if (o.keys_file) {
    if (o.keys_file->empty()) throw ConfigError(origin, 0, "--keys", "must not be empty");
    config.keys_file = *o.keys_file;
  }
  if (o.log_format) {
    if (*o.log_format != "json" && *o.log_format != "text")
      throw ConfigError(origin, 0, "--log-format", "must be json or text");
    config.log_format = *o.log_format;
  }
  if (o.docker_socket) config.docker_socket = *o.docker_socket;
  if (o.insecure_no_auth) config.insecure_no_auth = true;
}

bool is_local_only(const Listener& l) {
  if (l.kind == Listener::Kind::unix_socket) return true;
  return l.host == "localhost" || l.host == "::1" || l.host.starts_with("127.");
}

void check_auth_exposure(const DaemonConfig& config) {
  if (config.keys_file || config.insecure_no_auth) return;
  for (const auto* key : {"listen", "grpc_listen"})
    for (const auto& l : std::string_view(key) == "listen" ? config.listen : config.grpc_listen)
      if (!is_local_only(l))
        throw ConfigError(config.file.empty() ? "command line" : config.file.string(), 0, key,
                          "\"" + l.text + "\" is reachable from other hosts but no keys file is configured: set `keys` "
                          "(API keys), listen on loopback or a unix socket, or pass --insecure-no-auth");
}

}  // namespace runbox::config
