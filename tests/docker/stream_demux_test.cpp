// The multiplexed-stream decoder, without an engine: frames split anywhere, caps, bad headers.
#include <catch2/catch.hpp>

#include "docker/engine_client.hpp"
#include "docker/stream_demux.hpp"

using runbox::docker::StreamDemux;

namespace {

std::string frame(char type, const std::string& payload) {
  std::string f(8, '\0');
  f[0] = type;
  auto n = static_cast<std::uint32_t>(payload.size());
  f[4] = static_cast<char>(n >> 24);
  f[5] = static_cast<char>(n >> 16);
  f[6] = static_cast<char>(n >> 8);
  f[7] = static_cast<char>(n);
  return f + payload;
}

}  // namespace

TEST_CASE("demux separates stdout and stderr frames") {
  StreamDemux d(1024);
  d.feed(frame(1, "out1 ") + frame(2, "err1") + frame(1, "out2") + frame(0, "!"));
  CHECK(d.out() == "out1 out2!");
  CHECK(d.err() == "err1");
  CHECK_FALSE(d.out_truncated());
  CHECK_FALSE(d.mid_frame());
  // The order frames came in, for the interleaved output (stdin's echo counts as stdout).
  runbox::sandbox::Result r;
  r.stdout_data = d.take_out();
  r.stderr_data = d.take_err();
  r.output_order = d.take_order();
  CHECK(runbox::sandbox::interleaved_output(r) == "out1 err1out2!");
}

TEST_CASE("demux handles frames split at every byte") {
  std::string all = frame(1, "hello") + frame(2, "") + frame(2, std::string(300, 'e')) + frame(1, " world");
  StreamDemux d(1024);
  for (char c : all) d.feed(std::string_view(&c, 1));
  CHECK(d.out() == "hello world");
  CHECK(d.err() == std::string(300, 'e'));
  CHECK_FALSE(d.mid_frame());
}

TEST_CASE("demux reads a length above 16 bits big-endian") {
  std::string big(70000, 'x');
  StreamDemux d(1 << 20);
  d.feed(frame(1, big));
  CHECK(d.out().size() == 70000);
}

TEST_CASE("demux caps each stream separately and marks truncation") {
  StreamDemux d(4);
  d.feed(frame(1, "abc") + frame(1, "de") + frame(2, "1234"));
  CHECK(d.out() == "abcd");
  CHECK(d.out_truncated());
  CHECK(d.err() == "1234");
  CHECK_FALSE(d.err_truncated());  // exactly the cap is not truncated
  d.feed(frame(2, "5"));
  CHECK(d.err_truncated());
}

TEST_CASE("demux notices a stream that ends inside a frame") {
  StreamDemux d(100);
  d.feed(frame(1, "abcdef").substr(0, 10));
  CHECK(d.mid_frame());
  CHECK(d.out() == "ab");
  StreamDemux h(100);
  h.feed(std::string("\x01\0\0", 3));
  CHECK(h.mid_frame());
}

TEST_CASE("demux refuses a stream that is not multiplexed") {
  StreamDemux d(100);
  CHECK_THROWS_AS(d.feed("hello, a TTY stream"), runbox::docker::EngineError);
}
