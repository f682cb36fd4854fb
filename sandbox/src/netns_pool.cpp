// The pool behind keep_network_namespaces_ready(). A namespace is made by the pool thread:
// unshare(CLONE_NEWNET) moves that thread alone into a new one, loopback goes up there, the
// namespace is kept as an fd of /proc/thread-self/ns/net, and setns takes the thread back. The
// fds are handed out once each (take_ready_netns), so no two runs ever share a namespace.
#include "netns_pool.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "runbox/sandbox/netns_pool.hpp"

namespace runbox::sandbox {
namespace {

struct Pool {
  std::mutex mu;
  std::condition_variable wake;
  std::deque<UniqueFd> ready;
  std::size_t depth = 0;
  bool started = false;
};

Pool& pool() {
  static Pool* p = new Pool;  // never destroyed: the thread may outlive static destruction
  return *p;
}

bool loopback_up() {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  struct ifreq ifr {};
  std::memcpy(ifr.ifr_name, "lo", 3);
  bool ok = ::ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  if (ok) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    ok = ::ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  }
  ::close(s);
  return ok;
}

// One fresh namespace, or an invalid fd. `home` is this thread's own namespace, to go back to.
UniqueFd make_netns(int home) {
  if (::unshare(CLONE_NEWNET) != 0) return UniqueFd();
  UniqueFd made;
  if (loopback_up()) made.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (::setns(home, CLONE_NEWNET) != 0) std::terminate();  // this thread cannot be left elsewhere
  return made;
}

void fill_forever() {
  Pool& p = pool();
  UniqueFd home(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!home) return;  // no pool: every run builds its own namespace
  for (;;) {
    {
      std::unique_lock lock(p.mu);
      p.wake.wait(lock, [&] { return p.ready.size() < p.depth; });
    }
    UniqueFd fd = make_netns(home.get());
    if (!fd) {  // leave the runs to clone3 (which reports the cause) and try again later
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    std::lock_guard lock(p.mu);
    p.ready.push_back(std::move(fd));
  }
}

}  // namespace

void keep_network_namespaces_ready(std::size_t depth) {
  Pool& p = pool();
  std::lock_guard lock(p.mu);
  p.depth = depth;
  while (p.ready.size() > depth) p.ready.pop_back();
  if (!p.started && depth > 0) {
    p.started = true;
    std::thread(fill_forever).detach();
  }
  p.wake.notify_one();
}

UniqueFd take_ready_netns() {
  Pool& p = pool();
  std::lock_guard lock(p.mu);
  if (p.ready.empty()) return UniqueFd();
  UniqueFd fd = std::move(p.ready.front());
  p.ready.pop_front();
  p.wake.notify_one();
  return fd;
}

}  // namespace runbox::sandbox
