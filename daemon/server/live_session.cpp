#include "server/live_session.hpp"

#include <sys/eventfd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <mutex>

#include "runbox/sandbox/unique_fd.hpp"

namespace runbox::server {
namespace {

namespace asio = boost::asio;

struct Event {
  enum class Kind { stage_started, output, stage_finished, done };
  explicit Event(Kind k, job::StageRef s = {job::StageRef::Kind::run, 0}) : kind(k), stage(s) {}
  Kind kind;
  job::StageRef stage;
  std::uint8_t stream = 0;
  std::string bytes;
  sandbox::Result result;
  std::optional<service::RunOutcome> outcome;
};

// The job's events, from the slot's thread to the connection's strand, in order. Output is
// only what the run's cap keeps, so the queue never holds more than that (plus small events).
class EventQueue final : public job::JobEvents, public std::enable_shared_from_this<EventQueue> {
 public:
  EventQueue(asio::any_io_executor ex, std::shared_ptr<sandbox::LiveIo> io) : timer_(std::move(ex)), io_(std::move(io)) {}

  void stage_started(const job::StageRef& s) override { push(Event(Event::Kind::stage_started, s)); }
  void output(const job::StageRef& s, std::uint8_t stream, std::string_view bytes) override {
    Event e(Event::Kind::output, s);
    e.stream = stream;
    e.bytes.assign(bytes);
    push(std::move(e));
  }
  void stage_finished(const job::StageRef& s, const sandbox::Result& r) override {
    Event e(Event::Kind::stage_finished, s);
    e.result = r;
    push(std::move(e));
  }
  std::shared_ptr<sandbox::LiveIo> run_input() override { return io_; }
  void done(service::RunOutcome o) {
    Event e(Event::Kind::done);
    e.outcome = std::move(o);
    push(std::move(e));
  }

  // On the strand: the next event, waiting for it. (A push after the check posts the timer's
  // cancel behind this handler, so it reaches the wait: no wake-up is lost.)
  asio::awaitable<Event> next() {
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (!q_.empty()) {
          Event e = std::move(q_.front());
          q_.pop_front();
          co_return e;
        }
      }
      timer_.expires_at(asio::steady_timer::time_point::max());
      co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }

 private:
  void push(Event e) {
    {
      std::lock_guard lock(mu_);
      q_.push_back(std::move(e));
    }
    asio::post(timer_.get_executor(), [self = shared_from_this()] { self->timer_.cancel(); });
  }

  asio::steady_timer timer_;
  std::shared_ptr<sandbox::LiveIo> io_;
  std::mutex mu_;
  std::deque<Event> q_;
};

// Yields on the strand until `flag` is set (the other coroutine of the conversation ending).
asio::awaitable<void> wait_for(const bool& flag, asio::any_io_executor ex) {
  asio::steady_timer t(ex);
  while (!flag) {
    t.expires_after(std::chrono::milliseconds(5));
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

class LiveConversation final : public WsConversation {
 public:
  LiveConversation(service::RunService& core, service::Caller caller, std::unique_ptr<LiveDialect> dialect,
                   config::InteractiveConfig config)
      : core_(core), caller_(std::move(caller)), dialect_(std::move(dialect)), config_(config) {}

  asio::awaitable<void> run(WsChannel& ch) override {
    auto ex = ch.executor();
    // The first message, within the start timeout: a timer closes the connection (which ends
    // the read) if it does not come.
    bool got_first = false, timer_done = false, timed_out = false;
    asio::steady_timer start_timer(ex);
    start_timer.expires_after(dialect_->start_timeout(config_));
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          auto [ec] = co_await start_timer.async_wait(asio::as_tuple(asio::use_awaitable));
          if (!ec && !got_first) {
            timed_out = true;
            LiveClose c = dialect_->start_timed_out();
            co_await end(ch, std::move(c));
          }
          timer_done = true;
        },
        asio::detached);
    std::optional<std::string> first = co_await ch.read();
    got_first = true;
    start_timer.cancel();
    co_await wait_for(timer_done, ex);
    if (timed_out) co_return;
    if (!first) {
      if (ch.too_large()) {
        LiveClose c = dialect_->refused(too_large());
        co_await end(ch, std::move(c));
      }
      co_return;
    }

    auto g = core_.generation();
    auto start = dialect_->parse_start(*first, *g, caller_, config_);
    if (auto* close = std::get_if<LiveClose>(&start)) {
      co_await end(ch, *close);
      co_return;
    }
    LiveDialect::Start& started = std::get<LiveDialect::Start>(start);
    const std::chrono::milliseconds idle = started.idle_input;
    service::RunRecord record(caller_);
    auto refuse = [&](const service::Refusal& r) {
      record.refused(r);
      return dialect_->refused(r);
    };
    auto planned = core_.plan(std::move(g), caller_, std::move(started.request), record);
    if (auto* r = std::get_if<service::Refusal>(&planned)) {
      LiveClose c = refuse(*r);
      co_await end(ch, std::move(c));
      co_return;
    }
    auto plan = std::make_shared<const service::RunPlan>(std::move(std::get<service::RunPlan>(planned)));
    if (plan->backend.docker()) {
      LiveClose c = refuse({400, "interactive_unsupported",
                            "runtime \"" + plan->runtime->def.name +
                                "\" runs on the docker backend for this key's tier; interactive runs need the "
                                "native sandbox (use POST /v1/run)"});
      co_await end(ch, std::move(c));
      co_return;
    }

    sandbox::UniqueFd cancel(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    auto io = std::make_shared<sandbox::LiveIo>(idle);
    auto queue = std::make_shared<EventQueue>(ex, io);
    auto cancel_run = [&cancel] {
      std::uint64_t one = 1;
      (void)!::write(cancel.get(), &one, sizeof one);
    };
    if (!core_.execute(plan, cancel.get(), [queue](service::RunOutcome o) { queue->done(std::move(o)); }, {}, queue)) {
      LiveClose c = refuse(service::RunService::overloaded());
      co_await end(ch, std::move(c));
      co_return;
    }

    // The client's side: stdin, its close, signals; a protocol error or the socket closing
    // ends the run.
    bool finished = false, reader_done = false;
    std::optional<LiveClose> violation;
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          for (;;) {
            std::optional<std::string> msg = co_await ch.read();
            if (!msg) {
              if (!finished) {
                if (ch.too_large()) violation = dialect_->refused(too_large());
                cancel_run();  // the client is gone: nobody reads what the program says
              }
              break;
            }
            if (finished) continue;
            LiveDialect::Input in = dialect_->parse_input(*msg);
            using K = LiveDialect::Input::Kind;
            if (in.kind == K::stdin_data) io->send_stdin(std::move(in.data));
            else if (in.kind == K::stdin_close) io->close_stdin();
            else if (in.kind == K::signal) io->send_signal(in.signal);
            else if (in.kind == K::end) {
              violation = std::move(in.close);
              cancel_run();
              break;
            }
          }
          reader_done = true;
        },
        asio::detached);

    bool peer_gone = false;
    // (One string at a time: GCC 12 cannot keep an initializer list across a co_await.)
    auto send = [&](std::string t) -> asio::awaitable<void> {
      if (t.empty() || peer_gone || violation) co_return;
      const bool sent = co_await ch.write(std::move(t));
      if (!sent) {
        peer_gone = true;
        cancel_run();
      }
    };
    co_await send(dialect_->started(*plan));
    for (;;) {
      Event e = co_await queue->next();
      if (e.kind == Event::Kind::stage_started) {
        co_await send(dialect_->stage_started(e.stage));
      } else if (e.kind == Event::Kind::output) {
        co_await send(dialect_->output(e.stage, e.stream, e.bytes));
      } else if (e.kind == Event::Kind::stage_finished) {
        std::vector<std::string> texts = dialect_->stage_finished(e.stage, std::move(e.result), io->idle_input_fired());
        for (auto& t : texts) co_await send(std::move(t));
      } else {  // done
        finished = true;
        record.finished(*plan, *e.outcome, core_.metrics());
        break;
      }
    }
    LiveClose last = violation ? *violation : dialect_->finished(record.id());
    if (!peer_gone) co_await end(ch, std::move(last));
    // The close answered ends the reader's read; a peer that never answers is cut off.
    asio::steady_timer grace(ex);
    for (int i = 0; i < 400 && !reader_done; ++i) {
      grace.expires_after(std::chrono::milliseconds(5));
      co_await grace.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (!reader_done) ch.cancel_read();
    co_await wait_for(reader_done, ex);
  }

 private:
  service::Refusal too_large() const {
    return {413, "payload_too_large",
            "a message is over the limit of " + std::to_string(config_.max_message_bytes) + " bytes"};
  }

  // (No co_await inside && or ?: here: GCC 12 miscompiles a co_await in a short-circuit operand.)
  static asio::awaitable<void> end(WsChannel& ch, LiveClose close) {
    if (!close.message.empty()) {
      const bool sent = co_await ch.write(std::move(close.message));
      if (!sent) co_return;
    }
    co_await ch.close(close.code, std::move(close.reason));
  }

  service::RunService& core_;
  service::Caller caller_;
  std::unique_ptr<LiveDialect> dialect_;
  config::InteractiveConfig config_;
};

}  // namespace

std::unique_ptr<WsConversation> live_conversation(service::RunService& core, service::Caller caller,
                                                  std::unique_ptr<LiveDialect> dialect, config::InteractiveConfig config) {
  return std::make_unique<LiveConversation>(core, std::move(caller), std::move(dialect), config);
}

}  // namespace runbox::server
