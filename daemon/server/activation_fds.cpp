#include "server/activation_fds.hpp"

#include <systemd/sd-daemon.h>
#include <sys/socket.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace runbox::server {

std::vector<int> inherited_listen_fds() {
  // unset_environment = 1: the variables describe this process only; children must not
  // mistake them for their own (a child's pid could even match LISTEN_PID in a pid namespace).
  const int n = sd_listen_fds(1);
  if (n < 0) throw std::runtime_error(std::string("socket activation: sd_listen_fds: ") + std::strerror(-n));
  std::vector<int> fds;
  for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; ++fd) {
    // AF_UNSPEC: unix, IPv4 and IPv6 are all fine; listening = 1: accept() must work on it.
    const int r = sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1);
    if (r < 0)
      throw std::runtime_error("socket activation: fd " + std::to_string(fd) + ": " + std::strerror(-r));
    if (r == 0)
      throw std::runtime_error("socket activation: fd " + std::to_string(fd) +
                               " is not a listening stream socket (the socket unit needs ListenStream=)");
    fds.push_back(fd);
  }
  return fds;
}

std::optional<int> take_unix_listen_fd(std::vector<int>& fds, const std::string& path) {
  for (auto it = fds.begin(); it != fds.end(); ++it)
    if (sd_is_socket_unix(*it, SOCK_STREAM, 1, path.c_str(), 0) > 0) {
      const int fd = *it;
      fds.erase(it);
      return fd;
    }
  return std::nullopt;
}

void require_all_adopted(const std::vector<int>& fds) {
  if (!fds.empty())
    throw std::runtime_error("systemd passed " + std::to_string(fds.size()) +
                             " listening socket(s) that no unix: address in `listen` names; make runboxd.socket's "
                             "ListenStream= and runboxd.toml's listen agree");
}

}  // namespace runbox::server
