#include "service/slot_pool.hpp"

namespace runbox::service {

SlotPool::SlotPool(unsigned slots, unsigned queue_max) : queue_max_(queue_max) {
  for (unsigned i = 0; i < slots; ++i) threads_.emplace_back([this, i] { work(i); });
}

SlotPool::~SlotPool() { drain(); }

bool SlotPool::try_submit(std::function<void(unsigned)> job) {
  {
    std::lock_guard lock(mu_);
    // A free slot takes the job at once; only jobs waiting for a slot count against the queue.
    unsigned waiting_after = static_cast<unsigned>(queue_.size()) + 1;
    unsigned free_slots = slots() - busy_;
    if (stopping_ || (waiting_after > free_slots && waiting_after - free_slots > queue_max_)) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

bool SlotPool::try_submit_idle(std::function<void(unsigned)> job) {
  {
    std::lock_guard lock(mu_);
    // Nothing waits and a slot is free: the job takes that slot now and delays no one.
    if (stopping_ || !queue_.empty() || busy_ >= slots()) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void SlotPool::drain() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

unsigned SlotPool::busy() const {
  std::lock_guard lock(mu_);
  return busy_;
}

unsigned SlotPool::queued() const {
  std::lock_guard lock(mu_);
  return static_cast<unsigned>(queue_.size());
}

void SlotPool::work(unsigned slot) {
  for (;;) {
    std::function<void(unsigned)> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      job = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
    }
    job(slot);
    std::lock_guard lock(mu_);
    --busy_;
  }
}

}  // namespace runbox::service
