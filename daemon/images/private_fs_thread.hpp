#pragma once
#include <exception>
#include <functional>
#include <thread>

namespace runbox::images {

// A thread with its own copy of the process's filesystem attributes (working directory, root
// and umask: unshare(CLONE_FS) as its first step). libarchive's disk writer calls umask(0) and
// back for every entry it writes; threads share one umask, so on an ordinary thread that would,
// for a moment, give every other thread of the daemon umask 0 (files created world-writable), and
// two extractions at once could leave the process at 0 for good. On this thread it changes only
// the thread's own copy.
class PrivateFsThread {
 public:
  // Starts `fn` on the new thread. If unshare() fails, fn does not run and join() throws.
  explicit PrivateFsThread(std::function<void()> fn);
  // Joins if join() was not called (never throws; an exception of fn is then lost).
  ~PrivateFsThread();
  PrivateFsThread(const PrivateFsThread&) = delete;
  PrivateFsThread& operator=(const PrivateFsThread&) = delete;

  // Waits for fn to end and rethrows what it threw.
  void join();

 private:
  std::exception_ptr error_;
  std::thread thread_;
};

// Runs fn on a PrivateFsThread and waits for it; rethrows what fn threw.
void run_with_private_fs(std::function<void()> fn);

}  // namespace runbox::images
