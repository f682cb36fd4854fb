#pragma once
// How `runbox image pull` and `import` show an extraction going on: on a terminal one line,
// redrawn in place with '\r' ("[#####-----]  45%  120.3MiB / ~268.0MiB  12345 entries"); into a
// file or pipe a plain line now and then, so logs stay readable. The counts are the ones the
// extraction reports (images::ExtractStats) and POST /v1/admin/images/pull's jobs show.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace runbox::images {

struct TransferProgress {
  std::uint64_t bytes = 0;        // of the archive read so far
  std::uint64_t entries = 0;      // archive entries extracted
  std::uint64_t total_bytes = 0;  // what is expected; 0: unknown
  bool total_is_estimate = false; // the engine's image size, not the export's exact length
  bool done = false;
};

// "1.5KiB", "120.3MiB" ("512B" below a KiB).
std::string human_bytes(std::uint64_t bytes);
// The terminal line: a bar and a percentage when the total is known (at most 99% until done:
// an estimate can be passed), then bytes and entries. `width`: the bar's cells.
std::string progress_bar_line(const TransferProgress& p, std::size_t width = 24);
// The plain line: "120.3MiB of ~268.0MiB (45%), 12345 entries".
std::string progress_plain_line(const TransferProgress& p);

class ProgressDisplay {
 public:
  // `label` starts every line ("runbox: image pull"). On a tty the bar is redrawn at most every
  // `redraw_every`; otherwise a plain line goes out at most every `plain_every`.
  ProgressDisplay(std::FILE* out, bool tty, std::string label,
                  std::chrono::milliseconds redraw_every = std::chrono::milliseconds(100),
                  std::chrono::milliseconds plain_every = std::chrono::seconds(5));
  ~ProgressDisplay();  // ends a bar left on its line (the extraction failed)
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  // Thread-safe (the extraction reports from its own thread).
  void update(const TransferProgress& p);
  // A line of its own: on a tty the bar is cleared first and drawn again after it.
  void note(const std::string& line);
  // The last state, always shown; the bar's line is ended.
  void finish(TransferProgress p);

 private:
  void draw_locked(const TransferProgress& p);
  void clear_locked();

  std::mutex mu_;
  std::FILE* out_;
  bool tty_;
  std::string label_;
  std::chrono::milliseconds redraw_every_, plain_every_;
  std::chrono::steady_clock::time_point last_{};
  bool drawn_ = false;      // something has been shown (the first update always is)
  bool bar_on_line_ = false;  // tty: the bar is the current, unfinished line
  std::size_t bar_length_ = 0;
  TransferProgress last_progress_;
  bool have_progress_ = false;
};

}  // namespace runbox::images
