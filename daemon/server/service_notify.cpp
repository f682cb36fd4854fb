#include "server/service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <atomic>
#include <ctime>

namespace runbox::server {
namespace {

std::atomic<bool> g_ready_sent{false};

void send(const std::string& state) { (void)sd_notify(0, state.c_str()); }

std::string monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::to_string(static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL + static_cast<unsigned long long>(ts.tv_nsec) / 1000);
}

}  // namespace

void notify_ready(const std::string& status) {
  g_ready_sent = true;
  send("READY=1\nSTATUS=" + status);
}
bool ready_was_sent() { return g_ready_sent; }
// MONOTONIC_USEC lets systemd (Type=notify-reload, or a plain reload) match the READY=1 that ends it.
void notify_reloading() { send("RELOADING=1\nMONOTONIC_USEC=" + monotonic_usec() + "\nSTATUS=reloading"); }
void notify_stopping() { send("STOPPING=1\nSTATUS=draining"); }
void notify_status(const std::string& status) { send("STATUS=" + status); }

}  // namespace runbox::server
