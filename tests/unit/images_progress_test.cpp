// The pull/import progress display: the bar's and the plain line's text, and what goes to the
// stream on a terminal (one line redrawn with '\r') and elsewhere (plain lines).
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "images/progress_display.hpp"

using runbox::images::human_bytes;
using runbox::images::progress_bar_line;
using runbox::images::progress_plain_line;
using runbox::images::ProgressDisplay;
using runbox::images::TransferProgress;

namespace {

// Everything written to a temporary FILE*.
struct Captured {
  std::FILE* f = std::tmpfile();
  ~Captured() { std::fclose(f); }
  std::string text() {
    std::fflush(f);
    std::string out;
    std::rewind(f);
    for (int c; (c = std::fgetc(f)) != EOF;) out += static_cast<char>(c);
    return out;
  }
};

}  // namespace

TEST_CASE("progress: sizes in binary units") {
  CHECK(human_bytes(0) == "0B");
  CHECK(human_bytes(1023) == "1023B");
  CHECK(human_bytes(1536) == "1.5KiB");
  CHECK(human_bytes(120ull * 1024 * 1024 + 300 * 1024) == "120.3MiB");
  CHECK(human_bytes(3ull << 30) == "3.0GiB");
}

TEST_CASE("progress: the bar with a known total") {
  const TransferProgress half{128ull << 20, 12345, 256ull << 20, false, false};
  CHECK(progress_bar_line(half, 10) == "[#####-----]  50%  128.0MiB / 256.0MiB  12345 entries");
  CHECK(progress_plain_line(half) == "128.0MiB of 256.0MiB (50%), 12345 entries");
  // An estimate (the engine's image size) is marked, and never shows 100% before the end.
  const TransferProgress over{300ull << 20, 1, 256ull << 20, true, false};
  CHECK(progress_bar_line(over, 10) == "[#########-]  99%  300.0MiB / ~256.0MiB  1 entry");
  TransferProgress done = over;
  done.done = true;
  CHECK(progress_bar_line(done, 10) == "[##########] 100%  300.0MiB / ~256.0MiB  1 entry");
  CHECK(progress_plain_line(done) == "300.0MiB of ~256.0MiB (100%), 1 entry, done");
}

TEST_CASE("progress: without a total only the counts") {
  const TransferProgress p{2048, 7, 0, false, false};
  CHECK(progress_bar_line(p) == "2.0KiB  7 entries");
  CHECK(progress_plain_line(p) == "2.0KiB, 7 entries");
}

TEST_CASE("progress: a terminal gets one line redrawn in place, notes above it") {
  Captured out;
  {
    ProgressDisplay d(out.f, true, "runbox: image pull", std::chrono::milliseconds(0));
    d.update({1024, 1, 4096, false, false});
    d.update({2048, 2, 4096, false, false});
    d.note("exporting");
    d.finish({4096, 3, 4096, false, false});
  }
  const std::string text = out.text();
  CHECK(text.find("\rrunbox: image pull: [######------------------]  25%  1.0KiB / 4.0KiB  1 entry") == 0);
  CHECK(text.find("\rrunbox: image pull: [############------------]  50%  2.0KiB / 4.0KiB  2 entries") !=
        std::string::npos);
  // The note clears the bar's line, stands on its own line, and the bar comes back under it.
  const auto note = text.find("runbox: image pull: exporting\n");
  REQUIRE(note != std::string::npos);
  CHECK(text.substr(note - 1, 1) == "\r");
  CHECK(text.find("\rrunbox: image pull: [####", note) != std::string::npos);
  CHECK(text.size() >= 1);
  CHECK(text.back() == '\n');
  CHECK(text.find("100%  4.0KiB / 4.0KiB  3 entries\n") != std::string::npos);
  CHECK(text.find('\n') == note + std::string("runbox: image pull: exporting").size());  // no other line ends before
}

TEST_CASE("progress: a file or pipe gets plain lines, at most one per interval") {
  Captured out;
  {
    ProgressDisplay d(out.f, false, "runbox: image import", std::chrono::milliseconds(0), std::chrono::hours(1));
    d.update({1024, 1, 0, false, false});  // the first is shown
    d.update({2048, 2, 0, false, false});  // within the hour: not
    d.note("a note");
    d.finish({4096, 3, 0, false, false});  // the last always
  }
  CHECK(out.text() ==
        "runbox: image import: 1.0KiB, 1 entry\n"
        "runbox: image import: a note\n"
        "runbox: image import: 4.0KiB, 3 entries, done\n");
}

TEST_CASE("progress: a bar left by a failed extraction still ends its line") {
  Captured out;
  {
    ProgressDisplay d(out.f, true, "x", std::chrono::milliseconds(0));
    d.update({1, 1, 0, false, false});
  }
  CHECK(out.text() == "\rx: 1B  1 entry\n");
}
