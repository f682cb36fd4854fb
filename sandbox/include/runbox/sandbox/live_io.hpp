#pragma once
// A run that talks while it runs (interactive transports: WebSocket, gRPC streams). The
// supervisor hands over each stream's kept bytes as it reads them, and takes stdin, a stdin
// close or a signal whenever the transport queues one — from any thread. Nothing is buffered
// here beyond what the transport has sent and the program has not read yet; output is only what
// the run's output cap keeps, so a slow reader never makes the daemon hold more than that.
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "runbox/sandbox/unique_fd.hpp"

namespace runbox::sandbox {

class LiveIo {
 public:
  // stream: 1 stdout, 2 stderr. Called on the supervising thread; must not block long.
  using OutputFn = std::function<void(std::uint8_t stream, std::string_view bytes)>;
  // idle_input: the run is killed (wall_time_limit, idle_input_fired()) when its stdin is open
  // and no input has come for this long; zero: no idle limit.
  explicit LiveIo(std::chrono::milliseconds idle_input = {});
  // Where output goes; set before the run starts (not while it runs).
  void set_output(OutputFn output) { output_ = std::move(output); }

  // Transport side, any thread.
  void send_stdin(std::string bytes);
  void close_stdin();
  void send_signal(int sig);  // SIGKILL ends the whole run; others go to the program

  // Supervisor side.
  struct Pending {
    std::string stdin_bytes;
    bool close_stdin = false;
    std::vector<int> signals;
  };
  int wake_fd() const { return wake_.get(); }  // readable when take() has something
  Pending take();
  void output(std::uint8_t stream, std::string_view bytes) const {
    if (output_ && !bytes.empty()) output_(stream, bytes);
  }
  std::chrono::milliseconds idle_input() const { return idle_input_; }
  void mark_idle_fired() { idle_fired_ = true; }
  bool idle_input_fired() const { return idle_fired_; }

 private:
  void wake();

  OutputFn output_;
  std::chrono::milliseconds idle_input_;
  UniqueFd wake_;  // eventfd
  std::mutex mu_;
  Pending pending_;
  bool idle_fired_ = false;
};

}  // namespace runbox::sandbox
