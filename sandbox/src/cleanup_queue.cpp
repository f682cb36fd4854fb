// The cleanup thread behind clean_up_in_background(): a FIFO of removals, run one at a time.
#include "cleanup_queue.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "runbox/sandbox/cleanup.hpp"

namespace runbox::sandbox {
namespace {

constexpr std::size_t kMaxPending = 64;

struct Queue {
  std::mutex mu;
  std::condition_variable wake, idle;
  std::deque<std::function<void()>> pending;
  bool background = false;
  bool busy = false;
};

Queue& queue() {
  static Queue* q = new Queue;  // never destroyed: the thread may outlive static destruction
  return *q;
}

void drain_forever() {
  Queue& q = queue();
  std::unique_lock lock(q.mu);
  for (;;) {
    q.wake.wait(lock, [&] { return !q.pending.empty(); });
    auto removal = std::move(q.pending.front());
    q.pending.pop_front();
    q.busy = true;
    lock.unlock();
    removal();
    removal = nullptr;  // whatever it captured goes now, outside the lock
    lock.lock();
    q.busy = false;
    if (q.pending.empty()) q.idle.notify_all();
  }
}

}  // namespace

void clean_up_in_background() {
  Queue& q = queue();
  std::lock_guard lock(q.mu);
  if (q.background) return;
  q.background = true;
  std::thread(drain_forever).detach();
}

void finish_background_cleanup() {
  Queue& q = queue();
  std::unique_lock lock(q.mu);
  q.idle.wait(lock, [&] { return q.pending.empty() && !q.busy; });
}

void clean_up(std::function<void()> removal) {
  Queue& q = queue();
  {
    std::lock_guard lock(q.mu);
    // Bounded: when the thread falls behind, the caller removes its own (back-pressure on the
    // slots instead of cgroups and mounts piling up).
    if (q.background && q.pending.size() < kMaxPending) {
      q.pending.push_back(std::move(removal));
      q.wake.notify_one();
      return;
    }
  }
  removal();
}

}  // namespace runbox::sandbox
