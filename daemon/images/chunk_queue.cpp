#include "images/chunk_queue.hpp"

#include "images/image_error.hpp"

namespace runbox::images {

ChunkQueue::ChunkQueue(std::size_t max_bytes) : max_bytes_(max_bytes) {}

void ChunkQueue::push(std::string_view data) {
  if (data.empty()) return;
  std::unique_lock lock(mu_);
  // One chunk may exceed the bound on its own; otherwise wait for room.
  changed_.wait(lock, [&] { return reader_ != Reader::reading || bytes_ == 0 || bytes_ + data.size() <= max_bytes_; });
  if (reader_ == Reader::gone) throw ConsumerGone{};
  if (reader_ == Reader::done) return;
  chunks_.emplace_back(data);
  bytes_ += data.size();
  changed_.notify_all();
}

void ChunkQueue::finish() {
  std::lock_guard lock(mu_);
  finished_ = true;
  changed_.notify_all();
}

void ChunkQueue::fail(const std::string& why) {
  std::lock_guard lock(mu_);
  failed_ = true;
  failure_ = why;
  changed_.notify_all();
}

bool ChunkQueue::pop(std::string& out) {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return !chunks_.empty() || finished_ || failed_; });
  // A failure wins over queued data: the stream is incomplete, the rest is not worth reading.
  if (failed_) throw ImageError(failure_);
  if (chunks_.empty()) return false;
  out = std::move(chunks_.front());
  chunks_.pop_front();
  bytes_ -= out.size();
  changed_.notify_all();
  return true;
}

void ChunkQueue::stop_reading(bool ok) {
  std::lock_guard lock(mu_);
  reader_ = ok ? Reader::done : Reader::gone;
  chunks_.clear();
  bytes_ = 0;
  changed_.notify_all();
}

}  // namespace runbox::images
