#pragma once
// API keys (keys.toml, referenced by runboxd.toml's `keys`): each key's name, the tier whose
// policy its requests run under, and its rate. Only SHA-256 hashes of keys are stored (keys are
// random, so a plain hash is enough); a presented key is hashed and compared with every entry
// in constant time. The file must be a regular file (not a symlink) owned by root that nobody
// else can read or write (mode 0600 or stricter).
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runbox::auth {

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view data);
std::string to_hex(const Digest& d);
std::optional<Digest> digest_from_hex(std::string_view hex);

struct ApiKey {
  std::string name;  // appears in logs and metric labels (the key itself never does)
  Digest hash{};
  std::string tier = "default";  // "default": the daemon's policy; else policies/<tier>.toml
  double rate = 10;              // requests per second, refilled continuously
  double burst = 20;             // bucket size: requests allowed at once after a quiet spell
  // An admin key (`admin = true`, or `tier = "admin"`) may use /v1/admin/* and see every key's
  // statistics. Its runs go under its tier; `tier = "admin"` without policies/admin.toml runs
  // under the default policy.
  bool admin = false;
  int line = 0;
};

class KeySet {
 public:
  // Throws config::ConfigError (file, line, field) on a bad file, or when the file is a symlink
  // or not a regular file, is not owned by root, or its mode lets anyone but its owner read or
  // write it (checked on the descriptor it is then read from).
  static KeySet load(const std::filesystem::path& file);
  static KeySet parse(const std::string& text, const std::string& origin);

  // The entry whose hash matches the key; every entry is compared (no early exit on a match).
  const ApiKey* find(std::string_view presented) const;
  const std::vector<ApiKey>& all() const { return keys_; }
  const std::string& origin() const { return origin_; }

 private:
  std::vector<ApiKey> keys_;
  std::string origin_;
};

// The key a request presents: "Authorization: Bearer <key>" or "X-API-Key: <key>".
std::optional<std::string> presented_key(std::string_view authorization, std::string_view x_api_key);

}  // namespace runbox::auth
