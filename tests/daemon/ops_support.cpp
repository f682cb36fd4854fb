#include "ops_support.hpp"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <sstream>
#include <stdexcept>

namespace runbox::test {

namespace fs = std::filesystem;

namespace {

std::string sha256_hex(const std::string& s) {
  unsigned char d[32];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), d, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) out += {hex[d[i] >> 4], hex[d[i] & 15]};
  return out;
}

}  // namespace

void write_keys_file(const fs::path& file, const std::vector<TestKey>& keys, unsigned mode) {
  std::string text = "# test keys\n";
  for (const auto& k : keys)
    text += "[[key]]\nname = \"" + k.name + "\"\nsha256 = \"" + sha256_hex(k.secret) + "\"\ntier = \"" + k.tier +
            "\"\nrate = " + std::to_string(k.rate) + "\nburst = " + std::to_string(k.burst) + "\n" +
            (k.admin ? "admin = true\n" : "");
  write_file(file, text, mode);
  ::chmod(file.c_str(), mode);  // whatever the umask made of it
}

Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}}; }

fs::path copy_policies(const fs::path& into) {
  fs::path dir = into / "policies";
  fs::copy(fs::path(RUNBOX_SOURCE_DIR) / "policies", dir, fs::copy_options::recursive);
  return dir;
}

std::vector<boost::json::object> log_objects(const std::string& log, std::string* bad_line) {
  std::vector<boost::json::object> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    boost::system::error_code ec;
    auto v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) {
      if (bad_line && bad_line->empty()) *bad_line = line;
      continue;
    }
    out.push_back(v.as_object());
  }
  return out;
}

std::vector<boost::json::object> log_events(const DaemonProcess& d, const std::string& event) {
  std::vector<boost::json::object> out;
  for (auto& o : log_objects(d.stderr_log()))
    if (o.contains("event") && o.at("event") == event.c_str()) out.push_back(o);
  return out;
}

}  // namespace runbox::test
