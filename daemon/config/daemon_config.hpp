#pragma once
// runboxd's own configuration: one TOML file (/etc/runbox/runboxd.toml unless --config names
// another), every key optional, then the command-line flags on top. docs/configuration.md
// documents every key.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/cache_config.hpp"
#include "config/drain_config.hpp"
#include "config/interactive_config.hpp"
#include "config/judge0_config.hpp"
#include "config/stats_config.hpp"
#include "config/playground_config.hpp"

namespace runbox::config {

inline constexpr const char* kDefaultConfigFile = "/etc/runbox/runboxd.toml";

// Where to accept connections: "HOST:PORT" (IPv4 address or name), "[IPV6]:PORT", or
// "unix:/absolute/path". Port 0 asks the kernel for a free one.
struct Listener {
  enum class Kind { tcp, unix_socket };
  Kind kind = Kind::tcp;
  std::string host;        // tcp: "127.0.0.1", "::1" (no brackets), "localhost"
  std::uint16_t port = 0;  // tcp
  std::string path;        // unix_socket
  std::string text;        // as written
  bool operator==(const Listener&) const = default;
};
// nullopt and a reason in *error when the text is not one of the three forms.
std::optional<Listener> parse_listener(std::string_view text, std::string* error = nullptr);

struct DaemonConfig {
  std::filesystem::path file;                 // the file read; empty: none (built-in defaults)
  std::vector<Listener> listen;               // default 127.0.0.1:8080
  // The gRPC transport's listeners (same forms as listen). Default: none, no gRPC server.
  std::vector<Listener> grpc_listen;
  std::filesystem::path runtimes_dir;         // default_runtimes_dir()
  std::filesystem::path policies_dir;         // default_policies_dir()
  std::filesystem::path policy = "default.toml";  // relative to policies_dir unless absolute
  std::filesystem::path images_root = "/var/lib/runbox/rootfs";
  // scripts/lib/images.sh's rootfs tarballs; POST /v1/admin/cleanup deletes the unused ones.
  std::filesystem::path image_cache = "/var/cache/runbox/images";
  std::uint32_t slots = 1;                    // runs at once; default: the CPUs this process may use
  std::optional<std::uint32_t> queue_size;    // requests waiting for a slot; unset: 4 x slots
  std::uint64_t max_body_bytes = 10 * 1024 * 1024;  // largest request body
  // API keys (keys.toml). Unset: no authentication, and only loopback/unix listeners allowed
  // (unless insecure_no_auth).
  std::optional<std::filesystem::path> keys_file;
  bool insecure_no_auth = false;              // --insecure-no-auth only (never from a file)
  std::string log_format = "json";            // "json" (one object per line) | "text"
  std::filesystem::path docker_socket = "/var/run/docker.sock";  // the Docker Engine API
  // Connections open at once, over every listener; one more is answered 503 and closed.
  std::uint32_t max_connections = 1024;
  // Browser origins (scheme://host[:port], exact) whose requests are served; any other request
  // carrying an Origin header is refused 403 forbidden_origin. Default: none.
  std::vector<std::string> allowed_origins;
  // Without keys, TCP requests must name this host by "localhost", an IP literal or one of
  // these names in their Host header (DNS rebinding defence); else 403 forbidden_host.
  std::vector<std::string> allowed_hosts;
  Judge0Config judge0;  // [judge0]: the Judge0 CE facade
  InteractiveConfig interactive;  // [interactive]: runs streamed over WebSocket
  CacheConfig cache;              // [cache]: compile cache, result cache
  DrainConfig drain;              // [drain]: SIGTERM's delay and grace
  StatsConfig stats;              // [stats]: usage statistics of finished runs (SQLite)
  PlaygroundConfig playground;    // [playground]: the web page at /

  std::uint32_t effective_queue_size() const { return queue_size.value_or(4 * slots); }
  std::filesystem::path policy_file() const { return policy.is_absolute() ? policy : policies_dir / policy; }
};

// The command-line flags that override the file: --listen (repeatable; replaces the file's
// list), --grpc-listen (repeatable; replaces grpc_listen), --runtimes-dir, --policies-dir, --slots, --keys, --log-format, --docker-socket,
// --insecure-no-auth.
struct DaemonConfigOverrides {
  std::vector<std::string> listen;
  std::vector<std::string> grpc_listen;
  std::optional<std::filesystem::path> runtimes_dir;
  std::optional<std::filesystem::path> policies_dir;
  std::optional<std::uint32_t> slots;
  std::optional<std::filesystem::path> keys_file;
  std::optional<std::string> log_format;
  std::optional<std::filesystem::path> docker_socket;
  bool insecure_no_auth = false;
};

// True for 127.0.0.0/8, ::1, "localhost" and unix sockets: listeners only this host can reach.
bool is_local_only(const Listener& l);
// Refuses (ConfigError) a listener other hosts can reach when no keys file is configured,
// unless insecure_no_auth.
void check_auth_exposure(const DaemonConfig& config);

// The installed directory (/etc/runbox/runtimes, /etc/runbox/policies) when it exists, else the
// source tree's runtimes/ or policies/ this binary was built from (when that exists), else the
// installed path (so the error names it).
std::filesystem::path default_runtimes_dir();
std::filesystem::path default_policies_dir();
// The same for the playground's page: <prefix>/share/runbox/playground, else the checkout's
// playground/.
std::filesystem::path default_playground_dir();
std::uint32_t default_slots();  // CPUs in this process's affinity mask, at least 1

DaemonConfig default_daemon_config();
// Keys not in the text keep their defaults; relative paths are relative to base_dir (the
// config file's directory). Throws ConfigError.
DaemonConfig parse_daemon_config(const std::string& text, const std::string& origin, const std::filesystem::path& base_dir);
// must_exist = false: a missing file gives the defaults (the default location); true: a
// missing file is a ConfigError (a path given with --config).
DaemonConfig load_daemon_config_file(const std::filesystem::path& file, bool must_exist);
// nullopt: kDefaultConfigFile, which may be missing; a path: --config PATH, which must exist.
DaemonConfig load_daemon_config(const std::optional<std::filesystem::path>& path);
// Throws ConfigError with file "command line" and the flag as the field.
void apply_overrides(DaemonConfig& config, const DaemonConfigOverrides& overrides);

}  // namespace runbox::config
