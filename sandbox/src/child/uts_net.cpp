#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "child/child_steps.hpp"

namespace runbox::sandbox::child {

// Loopback up in the caller's network namespace; errno tells why not. No allocation: the clone3
// child calls it, and so does the namespace pool's thread (netns_pool.cpp).
bool bring_loopback_up() {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  struct ifreq ifr {};
  std::memcpy(ifr.ifr_name, "lo", 3);
  bool ok = ::ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  if (ok) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    ok = ::ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  }
  int err = errno;
  ::close(s);
  errno = err;
  return ok;
}

// A hostname that is not the host's, and the new network namespace's only interface, loopback,
// brought up so programs that talk to themselves over 127.0.0.1 work; nothing else is reachable.
bool set_identity_and_network(const ChildPlan& p, ChildFailure& f) {
  if (!check(::sethostname(p.hostname, p.hostname_len) == 0, Step::set_hostname, f)) return false;
  // A namespace from the pool (netns_pool.cpp) is fresh and has its loopback up already.
  if (p.netns_fd >= 0) return check(::setns(p.netns_fd, CLONE_NEWNET) == 0, Step::enter_network_namespace, f);
  return check(bring_loopback_up(), Step::bring_up_loopback, f);
}

}  // namespace runbox::sandbox::child
