// `runbox key new NAME [--tier T] [--rate R] [--burst B]`: makes a random API key and prints it
// once, with the keys.toml entry that stores only its SHA-256. `runbox key hash` hashes a key
// read from stdin (for keys made elsewhere).
#include <sys/random.h>

#include <iostream>
#include <memory>

#include "auth/key_set.hpp"
#include "commands.hpp"

namespace runbox::cli {
namespace {

struct KeyNewOptions {
  std::string name;
  std::string tier = "default";
  double rate = 10;
  double burst = 20;
};

// 32 random bytes in URL-safe base64 without padding, prefixed so a leaked key is recognisable.
std::string random_key() {
  unsigned char bytes[32];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) throw std::runtime_error("getrandom failed");
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out = "rbx_";
  unsigned bits = 0, acc = 0;
  for (unsigned char b : bytes) {
    acc = acc << 8 | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 63];
    }
  }
  if (bits) out += alphabet[(acc << (6 - bits)) & 63];
  return out;
}

void print_entry(const KeyNewOptions& o, const std::string& hash) {
  std::cout << "[[key]]\nname = \"" << o.name << "\"\nsha256 = \"" << hash << "\"\ntier = \"" << o.tier
            << "\"\nrate = " << o.rate << "\nburst = " << o.burst << "\n";
}

}  // namespace

void register_key_command(CLI::App& app) {
  CLI::App* key = app.add_subcommand("key", "API keys: make one, hash one");
  key->require_subcommand(1);
  auto o = std::make_shared<KeyNewOptions>();
  CLI::App* make = key->add_subcommand("new", "Print a new random key and its keys.toml entry (only the hash is stored)");
  make->add_option("name", o->name, "The key's name (logs and metrics show it)")->required();
  make->add_option("--tier", o->tier, "Policy tier: default, or policies/<tier>.toml")->capture_default_str();
  make->add_option("--rate", o->rate, "Requests per second")->capture_default_str()->check(CLI::PositiveNumber);
  make->add_option("--burst", o->burst, "Requests at once after a quiet spell")->capture_default_str()->check(CLI::Range(1.0, 1e6));
  make->callback([o] {
    const std::string k = random_key();
    std::cerr << "key (give it to the client; it is not stored anywhere): " << k << "\n"
              << "append to keys.toml (owned by root, mode 0600), then reload runboxd (SIGHUP):\n";
    print_entry(*o, auth::to_hex(auth::sha256(k)));
  });
  CLI::App* hash = key->add_subcommand("hash", "Print the SHA-256 of a key read from stdin (one line)");
  hash->callback([] {
    std::string k;
    std::getline(std::cin, k);
    if (k.empty()) throw CLI::ValidationError("stdin", "no key on stdin");
    std::cout << auth::to_hex(auth::sha256(k)) << "\n";
  });
}

}  // namespace runbox::cli
