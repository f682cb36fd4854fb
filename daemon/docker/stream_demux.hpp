#pragma once
// Docker's multiplexed stream (attach and logs without a TTY): frames of an 8-byte header
// [stream type, 0, 0, 0, payload length as 32-bit big-endian] and the payload. Type 1 is
// stdout, 2 stderr (0, stdin echoed back, counts as stdout as the docker CLI does). Each stream
// keeps at most `cap` bytes; one byte more marks it truncated, like the native sandbox's pipes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runbox/sandbox/result.hpp"

namespace runbox::docker {

class StreamDemux {
 public:
  explicit StreamDemux(std::size_t cap_per_stream) : cap_(cap_per_stream) {}

  // Takes any number of bytes, frames split anywhere. Throws EngineError on a header whose type
  // is not 0..2 (not a multiplexed stream: a TTY container, or garbage).
  void feed(std::string_view bytes);

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }
  std::string take_out() { return std::move(out_); }
  std::string take_err() { return std::move(err_); }
  // The order the kept bytes came in, as the native sandbox records it (sandbox::OutputRun).
  std::vector<sandbox::OutputRun> take_order() { return std::move(order_); }
  bool out_truncated() const { return out_truncated_; }
  bool err_truncated() const { return err_truncated_; }
  // The stream ended inside a frame (the connection broke).
  bool mid_frame() const { return header_used_ != 0 || left_ != 0; }

 private:
  void append(std::string_view payload);

  std::size_t cap_;
  std::string out_, err_;
  std::vector<sandbox::OutputRun> order_;
  bool out_truncated_ = false, err_truncated_ = false;
  unsigned char header_[8] = {};
  std::size_t header_used_ = 0;
  std::uint8_t type_ = 0;
  std::uint32_t left_ = 0;  // payload bytes still to come in the current frame
};

}  // namespace runbox::docker
