#pragma once
// N slots (threads) that run sandbox jobs, with a bounded queue in front: a job beyond the queue
// is refused at once (the caller answers 503 overloaded with Retry-After) instead of waiting
// without bound. Sandbox runs block, so they run here and never on the I/O threads.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace runbox::service {

class SlotPool {
 public:
  SlotPool(unsigned slots, unsigned queue_max);
  ~SlotPool();
  SlotPool(const SlotPool&) = delete;
  SlotPool& operator=(const SlotPool&) = delete;

  // Queues job; false when the queue is full or the pool is draining.
  bool try_submit(std::function<void(unsigned slot)> job);  // slot: 0..slots-1
  // Queues job only if a slot is free and nothing else waits, so it starts at once: a judge
  // request's tests borrow idle slots this way (job/slot_lender.hpp). False otherwise.
  bool try_submit_idle(std::function<void(unsigned slot)> job);
  // Stops accepting; waits for queued and running jobs to finish.
  void drain();

  unsigned slots() const { return static_cast<unsigned>(threads_.size()); }
  unsigned busy() const;
  unsigned queued() const;

 private:
  void work(unsigned slot);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void(unsigned)>> queue_;
  unsigned queue_max_;
  unsigned busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace runbox::service
