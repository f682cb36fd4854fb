#include "images/progress_display.hpp"

#include <algorithm>
#include <cinttypes>
#include <iterator>

namespace runbox::images {

std::string human_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0)
    std::snprintf(buf, sizeof buf, "%" PRIu64 "B", bytes);
  else
    std::snprintf(buf, sizeof buf, "%.1f%s", value, units[unit]);
  return buf;
}

namespace {

// Whole percent of the total; 99 at most until done (an estimate may be passed early).
unsigned percent_of(const TransferProgress& p) {
  if (p.done) return 100;
  if (p.total_bytes == 0) return 0;
  const std::uint64_t pct = p.bytes >= p.total_bytes ? 99 : p.bytes * 100 / p.total_bytes;
  return static_cast<unsigned>(std::min<std::uint64_t>(pct, 99));
}

std::string total_text(const TransferProgress& p) {
  return (p.total_is_estimate ? "~" : "") + human_bytes(p.total_bytes);
}

std::string entries_text(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " entry" : " entries"); }

}  // namespace

std::string progress_bar_line(const TransferProgress& p, std::size_t width) {
  std::string line;
  if (p.total_bytes > 0 || p.done) {
    const unsigned pct = percent_of(p);
    const std::size_t filled = width * pct / 100;
    line = "[" + std::string(filled, '#') + std::string(width - filled, '-') + "] ";
    char buf[8];
    std::snprintf(buf, sizeof buf, "%3u%%", pct);
    line += buf;
    line += "  ";
  }
  line += human_bytes(p.bytes);
  if (p.total_bytes > 0) line += " / " + total_text(p);
  line += "  " + entries_text(p.entries);
  return line;
}

std::string progress_plain_line(const TransferProgress& p) {
  std::string line = human_bytes(p.bytes);
  if (p.total_bytes > 0) line += " of " + total_text(p) + " (" + std::to_string(percent_of(p)) + "%)";
  line += ", " + entries_text(p.entries);
  if (p.done) line += ", done";
  return line;
}

ProgressDisplay::ProgressDisplay(std::FILE* out, bool tty, std::string label, std::chrono::milliseconds redraw_every,
                                 std::chrono::milliseconds plain_every)
    : out_(out), tty_(tty), label_(std::move(label)), redraw_every_(redraw_every), plain_every_(plain_every) {}

ProgressDisplay::~ProgressDisplay() {
  if (bar_on_line_) std::fputc('\n', out_);
}

void ProgressDisplay::clear_locked() {
  if (!bar_on_line_) return;
  std::fprintf(out_, "\r%s\r", std::string(bar_length_, ' ').c_str());
  bar_on_line_ = false;
}

void ProgressDisplay::draw_locked(const TransferProgress& p) {
  if (tty_) {
    const std::string line = label_ + ": " + progress_bar_line(p);
    // Pad over what a longer earlier line left.
    const std::size_t pad = bar_on_line_ && bar_length_ > line.size() ? bar_length_ - line.size() : 0;
    std::fprintf(out_, "\r%s%s", line.c_str(), std::string(pad, ' ').c_str());
    bar_on_line_ = true;
    bar_length_ = line.size() + pad;
  } else {
    std::fprintf(out_, "%s: %s\n", label_.c_str(), progress_plain_line(p).c_str());
  }
  std::fflush(out_);
  last_ = std::chrono::steady_clock::now();
  drawn_ = true;
}

void ProgressDisplay::update(const TransferProgress& p) {
  std::lock_guard lock(mu_);
  last_progress_ = p;
  have_progress_ = true;
  const auto every = tty_ ? redraw_every_ : plain_every_;
  if (drawn_ && std::chrono::steady_clock::now() - last_ < every) return;
  draw_locked(p);
}

void ProgressDisplay::note(const std::string& line) {
  std::lock_guard lock(mu_);
  const bool redraw = bar_on_line_;
  clear_locked();
  std::fprintf(out_, "%s: %s\n", label_.c_str(), line.c_str());
  if (redraw && have_progress_) draw_locked(last_progress_);
  std::fflush(out_);
}

void ProgressDisplay::finish(TransferProgress p) {
  std::lock_guard lock(mu_);
  p.done = true;
  draw_locked(p);
  if (tty_) {
    std::fputc('\n', out_);
    bar_on_line_ = false;
  }
  std::fflush(out_);
}

}  // namespace runbox::images
