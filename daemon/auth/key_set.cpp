#include "auth/key_set.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <set>
#include <stdexcept>

#include "config/config_toml.hpp"

namespace runbox::auth {

Digest sha256(std::string_view data) {
  Digest d{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), d.data(), &len, EVP_sha256(), nullptr) != 1 || len != d.size())
    throw std::runtime_error("SHA-256 failed (OpenSSL)");
  return d;
}

std::string to_hex(const Digest& d) {
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (unsigned char b : d) s += {hex[b >> 4], hex[b & 15]};
  return s;
}

std::optional<Digest> digest_from_hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Digest d{};
  for (std::size_t i = 0; i < 32; ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    d[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return d;
}

namespace {

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

}  // namespace

KeySet KeySet::parse(const std::string& text, const std::string& origin) {
  using tomlfile::line_of;
  toml::table root = tomlfile::parse_toml(text, origin, config::toml_errors);
  tomlfile::TomlReader r(origin, config::toml_errors);
  // [[key]] (documented) or [[keys]]: one of them.
  r.refuse_unknown_keys(root, "", {"key", "keys"});
  const char* table_name = root.get("keys") ? "keys" : "key";
  if (root.get("key") && root.get("keys")) r.fail(*root.get("keys"), "keys", "use [[key]] or [[keys]], not both");
  KeySet set;
  set.origin_ = origin;
  const toml::node* kn = root.get(table_name);
  if (!kn) return set;  // no keys: nothing is accepted
  const toml::array* arr = kn->as_array();
  if (!arr) r.fail(*kn, table_name, std::string("must be an array of tables ([[") + table_name + "]])");
  std::set<std::string> names;
  std::set<Digest> hashes;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const std::string field = std::string(table_name) + "[" + std::to_string(i) + "]";
    const toml::table& t = r.table(*arr->get(i), field);
    r.refuse_unknown_keys(t, field + ".", {"name", "sha256", "hash", "tier", "admin", "rate", "burst"});
    ApiKey k;
    k.line = line_of(*arr->get(i));
    const toml::node& nn = r.require(t, "name", field + ".name");
    k.name = r.string(nn, field + ".name");
    if (!valid_name(k.name)) r.fail(nn, field + ".name", "letters, digits, - _ . only (1..64 characters)");
    if (!names.insert(k.name).second) r.fail(nn, field + ".name", "\"" + k.name + "\" is used twice");
    // "sha256" (documented) or "hash"; the hex may carry a "sha256:" prefix.
    const char* hash_key = t.get("hash") && !t.get("sha256") ? "hash" : "sha256";
    const toml::node& hn = r.require(t, hash_key, field + "." + hash_key);
    std::string_view hex = r.string(hn, field + "." + hash_key);
    if (hex.starts_with("sha256:")) hex.remove_prefix(7);
    auto digest = digest_from_hex(hex);
    if (!digest) r.fail(hn, field + "." + hash_key, "must be 64 hex digits: the SHA-256 of the key (runbox key new prints one)");
    if (!hashes.insert(*digest).second) r.fail(hn, field + "." + hash_key, "the same key is listed twice");
    k.hash = *digest;
    if (const toml::node* tn = t.get("tier")) {
      k.tier = r.string(*tn, field + ".tier");
      if (!valid_name(k.tier) || k.tier.front() == '.') r.fail(*tn, field + ".tier", "must name a policy (letters, digits, - _ .)");
    }
    k.admin = k.tier == "admin";
    if (const toml::node* an = t.get("admin")) {
      if (!an->is_boolean()) r.fail(*an, field + ".admin", "must be true or false");
      k.admin = an->as_boolean()->get() || k.tier == "admin";
    }
    if (const toml::node* rn = t.get("rate")) {
      k.rate = r.number(*rn, field + ".rate");
      if (!(k.rate > 0) || !std::isfinite(k.rate) || k.rate > 1e6) r.fail(*rn, field + ".rate", "requests per second: more than 0, at most 1000000");
    }
    k.burst = std::max(1.0, std::ceil(k.rate * 2));
    if (const toml::node* bn = t.get("burst")) {
      k.burst = r.number(*bn, field + ".burst");
      if (!(k.burst >= 1) || !std::isfinite(k.burst) || k.burst > 1e6) r.fail(*bn, field + ".burst", "must be 1..1000000 requests");
    }
    set.keys_.push_back(std::move(k));
  }
  return set;
}

KeySet KeySet::load(const std::filesystem::path& file) {
  auto refuse = [&](const std::string& why) { throw config::ConfigError(file.string(), 0, "", why); };
  // The checks and the read on one descriptor: what is checked is what is read. O_NOFOLLOW: the
  // file itself must not be a symlink (whoever can write its directory could repoint one);
  // O_NONBLOCK: a FIFO put there does not hang the daemon (it fails the regular-file check).
  int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno == ELOOP) refuse("the keys file is a symbolic link; name the file itself (a symlink is refused)");
    refuse(std::string("cannot open the keys file: ") + std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st{};
  if (::fstat(fd, &st) != 0) refuse(std::string("cannot stat the keys file: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) refuse("the keys file is not a regular file");
  if (st.st_uid != 0)
    refuse("the keys file must be owned by root (chown root): its owner is uid " + std::to_string(st.st_uid));
  if (st.st_mode & 077)
    refuse("the keys file must be readable by its owner only (chmod 600): its mode is " +
           [&] { char b[8]; std::snprintf(b, sizeof b, "%04o", st.st_mode & 07777); return std::string(b); }());
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) refuse(std::string("cannot read the keys file: ") + std::strerror(errno));
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return parse(text, file.string());
}

const ApiKey* KeySet::find(std::string_view presented) const {
  const Digest d = sha256(presented);
  const ApiKey* found = nullptr;
  for (const auto& k : keys_)
    if (CRYPTO_memcmp(k.hash.data(), d.data(), d.size()) == 0) found = &k;
  return found;
}

std::optional<std::string> presented_key(std::string_view authorization, std::string_view x_api_key) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  std::string_view a = trim(authorization);
  if (a.size() > 7 && (a.substr(0, 7) == "Bearer " || a.substr(0, 7) == "bearer ")) {
    std::string_view k = trim(a.substr(7));
    if (!k.empty()) return std::string(k);
  }
  std::string_view x = trim(x_api_key);
  if (!x.empty()) return std::string(x);
  return std::nullopt;
}

}  // namespace runbox::auth
