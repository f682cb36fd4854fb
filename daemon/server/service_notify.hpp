#pragma once
// The systemd notify protocol (libsystemd's sd_notify): READY=1 once runboxd can run code,
// RELOADING=1/READY=1 around a reload, STOPPING=1 on shutdown, STATUS= for `systemctl status`.
// Without $NOTIFY_SOCKET (not under systemd) every call does nothing.
#include <string>

namespace runbox::server {

void notify_ready(const std::string& status);
// Whether READY=1 was sent: a reload before it must not send one (systemd would take the
// daemon for started while it cannot run code yet).
bool ready_was_sent();
void notify_reloading();
void notify_stopping();
void notify_status(const std::string& status);

}  // namespace runbox::server
