#pragma once
// An interactive run over a WebSocket, written once for every protocol that offers one (API v1's
// /v1/run/ws, Piston's /api/v2/connect): a LiveDialect says how its messages look; the
// conversation here does the rest — wait for the start message, plan the run with the service
// core, hold a slot, feed stdin and signals in as they come (sandbox::LiveIo), send the stages,
// the output as the program writes it and the results out, record the run, and close. Closing
// the socket kills the run. What is queued for the client is bounded by the run's output cap.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/interactive_config.hpp"
#include "job/job_events.hpp"
#include "server/ws_channel.hpp"
#include "service/caller.hpp"
#include "service/refusal.hpp"
#include "service/run_service.hpp"

namespace runbox::server {

// How the conversation ends when the client breaks the protocol or the run cannot be had: a
// message to send first (may be empty), then a close code and reason.
struct LiveClose {
  std::string message;
  std::uint16_t code = 1000;
  std::string reason;
};

class LiveDialect {
 public:
  virtual ~LiveDialect() = default;
  virtual std::string_view endpoint() const = 0;  // the metrics' label, "/v1/run/ws"
  virtual std::chrono::milliseconds start_timeout(const config::InteractiveConfig& c) const = 0;
  virtual LiveClose start_timed_out() const = 0;

  // The first message: the run it asks for, or how to end.
  struct Start {
    api::RunRequest request;
    std::chrono::milliseconds idle_input;  // within the config's bound
  };
  virtual std::variant<Start, LiveClose> parse_start(std::string_view text, const service::Generation& g,
                                                     const service::Caller& caller,
                                                     const config::InteractiveConfig& c) = 0;
  // A refusal from the core (unknown runtime, a limit, overloaded...).
  virtual LiveClose refused(const service::Refusal& r) const = 0;

  // A message after the start.
  struct Input {
    enum class Kind { stdin_data, stdin_close, signal, ignore, end } kind = Kind::ignore;
    std::string data;
    int signal = 0;
    LiveClose close;  // Kind::end
  };
  virtual Input parse_input(std::string_view text) = 0;

  // What goes out; empty strings are not sent.
  virtual std::string started(const service::RunPlan& plan) = 0;
  virtual std::string stage_started(const job::StageRef& stage) = 0;
  virtual std::string output(const job::StageRef& stage, std::uint8_t stream, std::string_view bytes) = 0;
  // Messages: what output an unfinished character held back, then the stage's own.
  virtual std::vector<std::string> stage_finished(const job::StageRef& stage, sandbox::Result result,
                                                  bool idle_input_fired) = 0;
  // After the last stage, with the run's id: a closing message (may be empty) and the close.
  virtual LiveClose finished(const std::string& id) = 0;
};

// The conversation for one upgraded connection (its admission, rate limit and session cap were
// already passed by the caller).
std::unique_ptr<WsConversation> live_conversation(service::RunService& core, service::Caller caller,
                                                  std::unique_ptr<LiveDialect> dialect, config::InteractiveConfig config);

// The signals a client may send by name ("SIGINT"); nullopt for others.
std::optional<int> signal_number(std::string_view name);

// API v1's interactive protocol (docs/api.md, "Interactive runs").
std::unique_ptr<LiveDialect> v1_live_dialect();

}  // namespace runbox::server
