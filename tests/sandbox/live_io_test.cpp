// Live runs through the sandbox library: output handed over as read, stdin and signals while
// the program runs, the idle-input limit (sandbox/include/runbox/sandbox/live_io.hpp).
#include <catch2/catch.hpp>
#include <csignal>
#include <mutex>
#include <thread>

#include "runbox/sandbox/live_io.hpp"
#include "sandbox_fixture.hpp"

using namespace runbox::sandbox;
using namespace runbox::test;

namespace {

// What the output callback saw, read from the test thread while the run goes on.
struct Seen {
  std::mutex mu;
  std::string out;
  bool has(const std::string& s) {
    std::lock_guard lock(mu);
    return out.find(s) != std::string::npos;
  }
};

bool wait_for(Seen& seen, const std::string& s) {
  for (int i = 0; i < 400; ++i) {
    if (seen.has(s)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return false;
}

}  // namespace

TEST_CASE("live io: output while running, stdin turn by turn, a signal relayed to the program", "[live]") {
  auto spec = image_spec({"sh", "-c",
                          "trap 'echo term; exit 7' TERM; echo ready; read a; echo \"got $a\"; "
                          "while :; do sleep 0.05; done"});
  spec.limits.wall_ms = 20000;
  auto io = std::make_shared<LiveIo>();
  Seen seen;
  io->set_output([&](std::uint8_t stream, std::string_view bytes) {
    if (stream != 1) return;
    std::lock_guard lock(seen.mu);
    seen.out.append(bytes);
  });
  spec.live = io;
  Result r;
  std::thread runner([&] { r = run(spec); });
  const bool ready = wait_for(seen, "ready\n");
  io->send_stdin("abc\n");
  const bool got = wait_for(seen, "got abc\n");
  io->send_signal(SIGTERM);
  runner.join();
  CHECK(ready);
  CHECK(got);
  INFO(to_string(r.status) << " " << r.error << " " << r.stderr_data);
  CHECK(r.stdout_data == "ready\ngot abc\nterm\n");
  CHECK(r.exit_code == 7);  // the program's trap ran: the signal went to it, not to its init
  CHECK(r.status == Status::runtime_error);
}

TEST_CASE("live io: the idle-input limit ends a program waiting for input, stdin_close gives EOF", "[live]") {
  {
    auto spec = image_spec({"python3", "-c", "input()"});
    auto io = std::make_shared<LiveIo>(std::chrono::milliseconds(400));
    spec.live = io;
    Result r = run(spec);
    CHECK(r.status == Status::wall_time_limit);
    CHECK(io->idle_input_fired());
    CHECK(r.wall_ms < 3000);
  }
  {
    auto spec = image_spec({"sh", "-c", "wc -c"});
    auto io = std::make_shared<LiveIo>(std::chrono::milliseconds(5000));
    spec.stdin_data = "12";
    spec.live = io;
    io->send_stdin("345");
    io->close_stdin();
    io->send_stdin("ignored after the close");
    Result r = run(spec);
    CHECK(r.status == Status::ok);
    CHECK(r.stdout_data == "5\n");
    CHECK_FALSE(io->idle_input_fired());
  }
}
