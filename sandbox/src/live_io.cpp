#include "runbox/sandbox/live_io.hpp"

#include <sys/eventfd.h>

#include <cstdint>
#include <stdexcept>

#include "sys_error.hpp"

namespace runbox::sandbox {

LiveIo::LiveIo(std::chrono::milliseconds idle_input)
    : idle_input_(idle_input), wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!wake_) throw_errno("eventfd");
}

void LiveIo::wake() {
  std::uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof one);
}

void LiveIo::send_stdin(std::string bytes) {
  {
    std::lock_guard lock(mu_);
    if (pending_.close_stdin) return;  // after a close nothing more goes in
    pending_.stdin_bytes += bytes;
  }
  wake();
}

void LiveIo::close_stdin() {
  {
    std::lock_guard lock(mu_);
    pending_.close_stdin = true;
  }
  wake();
}

void LiveIo::send_signal(int sig) {
  {
    std::lock_guard lock(mu_);
    pending_.signals.push_back(sig);
  }
  wake();
}

LiveIo::Pending LiveIo::take() {
  std::uint64_t n = 0;
  (void)!::read(wake_.get(), &n, sizeof n);
  std::lock_guard lock(mu_);
  Pending out = std::move(pending_);
  pending_ = Pending{};
  // A close stays in force: later send_stdin calls are dropped.
  pending_.close_stdin = out.close_stdin;
  return out;
}

}  // namespace runbox::sandbox
