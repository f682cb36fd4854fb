// The pool behind keep_network_namespaces_ready(). A namespace is made by the pool thread:
// unshare(CLONE_NEWNET) moves that thread alone into a new one, loopback goes up there, the
// namespace is kept as an fd of /proc/thread-self/ns/net, and setns takes the thread back. The
// fds are handed out once each (take_ready_netns), so no two runs ever share a namespace.
#include "netns_pool.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "child/child_steps.hpp"
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

// One fresh namespace, or an invalid fd. `home` is this thread's own namespace, to go back to.
UniqueFd make_netns(int home) {
  if (::unshare(CLONE_NEWNET) != 0) return UniqueFd();
  UniqueFd made;
  if (child::bring_loopback_up()) made.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
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
