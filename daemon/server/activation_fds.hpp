#pragma once
// Socket activation (systemd/runboxd.socket): the listening sockets systemd passed to this
// process (LISTEN_PID, LISTEN_FDS, fds 3, 4, ...), read through libsystemd's sd_listen_fds.
#include <optional>
#include <string>
#include <vector>

namespace runbox::server {

// The inherited listening sockets, in order (fd 3 first); empty when none were passed to this
// process (no LISTEN_FDS, or LISTEN_PID names another process). LISTEN_PID, LISTEN_FDS and
// LISTEN_FDNAMES are removed from the environment, so runs and helpers never see them, and
// each fd is made close-on-exec. Throws std::runtime_error, naming the fd, when the variables
// are malformed or a passed fd is not a listening stream socket (e.g. a socket unit with
// ListenDatagram=): a misconfigured unit must stop the start, not be half-served.
// Call it once: a second call finds the environment cleared and returns nothing.
std::vector<int> inherited_listen_fds();

// Takes out of `fds` the listening unix stream socket bound to `path`, if one is there.
std::optional<int> take_unix_listen_fd(std::vector<int>& fds, const std::string& path);

// Throws std::runtime_error unless every passed socket was taken: one that no `listen` address
// names would go unserved.
void require_all_adopted(const std::vector<int>& fds);

}  // namespace runbox::server
