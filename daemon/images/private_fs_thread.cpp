#include "images/private_fs_thread.hpp"

#include <sched.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "images/image_error.hpp"

namespace runbox::images {

PrivateFsThread::PrivateFsThread(std::function<void()> fn)
    : thread_([this, fn = std::move(fn)] {
        try {
          if (::unshare(CLONE_FS) != 0)
            throw ImageError(std::string("cannot give the extraction thread its own umask: unshare(CLONE_FS): ") +
                             std::strerror(errno));
          fn();
        } catch (...) {
          error_ = std::current_exception();  // read by join() after the thread ended
        }
      }) {}

PrivateFsThread::~PrivateFsThread() {
  if (thread_.joinable()) thread_.join();
}

void PrivateFsThread::join() {
  thread_.join();
  if (error_) std::rethrow_exception(error_);
}

void run_with_private_fs(std::function<void()> fn) { PrivateFsThread(std::move(fn)).join(); }

}  // namespace runbox::images
