// The multiplexed-stream decoder: a small state machine over (header bytes so far, payload left).
#include "docker/stream_demux.hpp"

#include <algorithm>

#include "docker/engine_client.hpp"

namespace runbox::docker {

void StreamDemux::append(std::string_view payload) {
  std::string& data = type_ == 2 ? err_ : out_;
  bool& truncated = type_ == 2 ? err_truncated_ : out_truncated_;
  std::size_t room = cap_ > data.size() ? cap_ - data.size() : 0;
  const std::size_t kept = std::min(room, payload.size());
  data.append(payload.substr(0, kept));
  if (payload.size() > room) truncated = true;
  const std::uint8_t stream = type_ == 2 ? 2 : 1;
  if (kept == 0) return;
  if (!order_.empty() && order_.back().stream == stream) order_.back().bytes += static_cast<std::uint32_t>(kept);
  else if (order_.size() < sandbox::kMaxOutputRuns) order_.push_back({stream, static_cast<std::uint32_t>(kept)});
}

void StreamDemux::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    if (left_ == 0) {
      std::size_t n = std::min(bytes.size(), sizeof header_ - header_used_);
      std::copy_n(bytes.data(), n, header_ + header_used_);
      header_used_ += n;
      bytes.remove_prefix(n);
      if (header_used_ < sizeof header_) return;
      header_used_ = 0;
      if (header_[0] > 2)
        throw EngineError("attach: not a multiplexed stream (frame type " + std::to_string(header_[0]) + ")");
      type_ = header_[0];
      left_ = (std::uint32_t{header_[4]} << 24) | (std::uint32_t{header_[5]} << 16) | (std::uint32_t{header_[6]} << 8) |
              std::uint32_t{header_[7]};
      continue;
    }
    std::size_t n = std::min<std::size_t>(bytes.size(), left_);
    append(bytes.substr(0, n));
    left_ -= static_cast<std::uint32_t>(n);
    bytes.remove_prefix(n);
  }
}

}  // namespace runbox::docker
