#pragma once
// The cancel eventfds of the runs in flight, so a drain that gives up can cancel them all. A
// run is registered for exactly as long as a Registration lives: released before the run's
// answer is handed back, so the transport may close its eventfd right after.
#include <unistd.h>

#include <cstdint>
#include <mutex>
#include <set>

namespace runbox::service {

class CancelRegistry {
 public:
  class Registration {
   public:
    Registration() = default;
    Registration(CancelRegistry* registry, int fd) : registry_(registry), fd_(fd) {}
    Registration(Registration&& o) noexcept : registry_(o.registry_), fd_(o.fd_) { o.registry_ = nullptr; }
    Registration& operator=(Registration&& o) noexcept {
      if (this != &o) {
        release();
        registry_ = o.registry_;
        fd_ = o.fd_;
        o.registry_ = nullptr;
      }
      return *this;
    }
    ~Registration() { release(); }
    void release() {
      if (registry_) registry_->remove(fd_);
      registry_ = nullptr;
    }

   private:
    CancelRegistry* registry_ = nullptr;
    int fd_ = -1;
  };

  // fd < 0 (a transport without cancellation): nothing to register.
  Registration add(int fd) {
    if (fd < 0) return {};
    std::lock_guard lock(mu_);
    fds_.insert(fd);
    return {this, fd};
  }
  // Makes every registered eventfd readable: each run's backend kills what runs.
  void cancel_all() {
    std::lock_guard lock(mu_);
    std::uint64_t one = 1;
    for (int fd : fds_) (void)!::write(fd, &one, sizeof one);
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return fds_.size();
  }

 private:
  void remove(int fd) {
    std::lock_guard lock(mu_);
    fds_.erase(fd);
  }
  mutable std::mutex mu_;
  std::set<int> fds_;
};

}  // namespace runbox::service
