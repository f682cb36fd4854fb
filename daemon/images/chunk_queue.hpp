#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>

namespace runbox::images {

// Hands a byte stream from a producer thread (an HTTP body arriving in pieces) to a consumer
// thread (libarchive pulling through its read callback), holding at most about `max_bytes` so
// a fast engine cannot fill the memory while the disk is slow. Either side can stop the other.
class ChunkQueue {
 public:
  // Thrown by push() when the consumer stopped because it failed: the producer should abort
  // its transfer; the consumer's own error is the one to report.
  struct ConsumerGone {};

  explicit ChunkQueue(std::size_t max_bytes = 8u << 20);

  // Producer side. push() blocks while the queue is full; after the consumer finished reading
  // successfully it discards (the tar's trailing padding), after it failed it throws ConsumerGone.
  void push(std::string_view data);
  void finish();                    // end of the stream
  void fail(const std::string& why);  // the stream broke: the consumer's next pop() reports `why`

  // Consumer side. pop() moves the next chunk into `out` and returns true; false at the end of
  // the stream. Throws ImageError with the producer's reason if it failed.
  bool pop(std::string& out);
  // The consumer is done: `ok` lets the producer run to its end, otherwise push() throws.
  void stop_reading(bool ok);

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::string> chunks_;
  std::size_t bytes_ = 0;
  std::size_t max_bytes_;
  bool finished_ = false;
  bool failed_ = false;
  std::string failure_;
  enum class Reader { reading, done, gone } reader_ = Reader::reading;
};

}  // namespace runbox::images
