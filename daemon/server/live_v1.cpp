// API v1's interactive protocol over WebSocket (GET /v1/run/ws; docs/api.md "Interactive runs"):
//   client: {"type":"start", ...the fields of POST /v1/run..., "idle_input_ms"?}
//           {"type":"stdin","data":...}  {"type":"stdin_close"}  {"type":"signal","signal":"SIGINT"}
//   server: {"type":"stage","stage":"compile"|"run"}
//           {"type":"output","stream":"stdout"|"stderr","data":...}
//           {"type":"result","stage":..., ...the stage's result as in POST /v1/run...}
//           {"type":"error","status":...,"code":...,"message":...} before a close
// data travels in the start message's encoding (utf8 or base64), both ways.
#include <csignal>
#include <boost/json.hpp>

#include "api/base64.hpp"
#include "api/response_json.hpp"
#include "api/stage_result.hpp"
#include "api/utf8_chunks.hpp"
#include "server/live_session.hpp"
#include "service/run_plan.hpp"

namespace runbox::server {
namespace {

namespace json = boost::json;

// WebSocket close codes (RFC 6455 7.4.1).
constexpr std::uint16_t kNormal = 1000, kPolicy = 1008, kTooBig = 1009, kInternal = 1011, kTryLater = 1013;

std::uint16_t close_code_for(int status) {
  if (status == 413) return kTooBig;
  if (status == 503 || status == 429) return kTryLater;
  if (status >= 500) return kInternal;
  return kPolicy;
}

LiveClose error_close(int status, const std::string& code, const std::string& message) {
  json::object o{{"type", "error"}, {"status", status}, {"code", code}, {"message", message}};
  return {json::serialize(o), close_code_for(status), code};
}

api::StageKind wire_kind(job::StageRef::Kind k) {
  return k == job::StageRef::Kind::compile ? api::StageKind::compile
         : k == job::StageRef::Kind::test  ? api::StageKind::test
                                           : api::StageKind::run;
}

class V1Dialect final : public LiveDialect {
 public:
  std::string_view endpoint() const override { return "/v1/run/ws"; }
  std::chrono::milliseconds start_timeout(const config::InteractiveConfig& c) const override {
    return std::chrono::milliseconds(c.start_timeout_ms);
  }
  LiveClose start_timed_out() const override {
    return error_close(408, "start_timeout", "no start message came in time");
  }

  std::variant<Start, LiveClose> parse_start(std::string_view text, const service::Generation& g,
                                             const service::Caller& caller, const config::InteractiveConfig& c) override {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return error_close(400, "invalid_json", "the start message must be a JSON object");
    json::object o = std::move(v.as_object());
    const json::value* type = o.if_contains("type");
    if (!type || !type->is_string() || type->as_string() != "start")
      return error_close(400, "invalid_request", "the first message must be {\"type\": \"start\", ...}");
    o.erase("type");
    std::chrono::milliseconds idle(c.idle_input_ms);
    if (const json::value* i = o.if_contains("idle_input_ms")) {
      if (!i->is_int64() || i->as_int64() < 1 || static_cast<std::uint64_t>(i->as_int64()) > c.idle_input_ms)
        return error_close(422, "limit_exceeds_policy",
                           "idle_input_ms must be an integer from 1 to " + std::to_string(c.idle_input_ms));
      idle = std::chrono::milliseconds(i->as_int64());
      o.erase("idle_input_ms");
    }
    if (o.contains("tests"))
      return error_close(400, "invalid_request", "an interactive run has no judge tests (POST /v1/run judges them)");
    auto parsed = api::parse_run_request(json::serialize(o), service::parse_limits(g, caller));
    if (auto* e = std::get_if<api::ApiError>(&parsed)) return error_close(e->status, e->code, e->message);
    encoding_ = std::get<api::RunRequest>(parsed).encoding;
    return Start{std::move(std::get<api::RunRequest>(parsed)), idle};
  }

  LiveClose refused(const service::Refusal& r) const override { return error_close(r.status, r.code, r.message); }

  Input parse_input(std::string_view text) override {
    Input in;
    auto fail = [&](const std::string& message) {
      in.kind = Input::Kind::end;
      in.close = error_close(400, "invalid_message", message);
      return in;
    };
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return fail("a message must be a JSON object");
    const json::object& o = v.as_object();
    const json::value* type = o.if_contains("type");
    if (!type || !type->is_string()) return fail("a message needs a \"type\"");
    const json::string& t = type->as_string();
    if (t == "stdin") {
      const json::value* d = o.if_contains("data");
      if (!d || !d->is_string()) return fail("a stdin message needs \"data\" (a string)");
      std::string_view data(d->as_string());
      if (encoding_ == api::Encoding::base64) {
        auto bytes = api::base64_decode(data);
        if (!bytes) return fail("stdin data is not valid base64");
        in.data = std::move(*bytes);
      } else {
        in.data.assign(data);
      }
      in.kind = Input::Kind::stdin_data;
      return in;
    }
    if (t == "stdin_close") {
      in.kind = Input::Kind::stdin_close;
      return in;
    }
    if (t == "signal") {
      const json::value* s = o.if_contains("signal");
      std::optional<int> sig = s && s->is_string() ? signal_number(s->as_string()) : std::nullopt;
      if (!sig) return fail("signal must be a signal's name: SIGINT, SIGTERM, SIGKILL, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, ...");
      in.kind = Input::Kind::signal;
      in.signal = *sig;
      return in;
    }
    if (t == "start") return fail("the run has started already");
    return fail("unknown message type \"" + std::string(t) + "\" (stdin, stdin_close, signal)");
  }

  std::string started(const service::RunPlan&) override { return {}; }

  std::string stage_started(const job::StageRef& stage) override {
    chunks_[0] = chunks_[1] = {};
    return json::serialize(json::object{{"type", "stage"}, {"stage", job::stage_name(stage.kind)}});
  }

  std::string output(const job::StageRef&, std::uint8_t stream, std::string_view bytes) override {
    std::string data = encoding_ == api::Encoding::base64 ? api::base64_encode(bytes) : chunks_[stream == 2].push(bytes);
    return data.empty() ? std::string() : output_message(stream, data);
  }

  std::vector<std::string> stage_finished(const job::StageRef& stage, sandbox::Result result, bool idle_fired) override {
    std::vector<std::string> out;
    for (std::uint8_t stream : {std::uint8_t{1}, std::uint8_t{2}})
      if (std::string rest = chunks_[stream == 2].flush(); !rest.empty()) out.push_back(output_message(stream, rest));
    std::string body = api::stage_text(api::stage_result(std::move(result), wire_kind(stage.kind)), encoding_);
    json::object head{{"type", "result"}, {"stage", job::stage_name(stage.kind)}};
    if (stage.kind == job::StageRef::Kind::run) head["idle_input_exceeded"] = idle_fired;
    std::string text = json::serialize(head);
    text.pop_back();  // '}': the stage's fields follow
    text += ',';
    text.append(body, 1);
    out.push_back(std::move(text));
    return out;
  }

  LiveClose finished(const std::string&) override { return {{}, kNormal, "run finished"}; }

 private:
  static std::string output_message(std::uint8_t stream, const std::string& data) {
    return json::serialize(
        json::object{{"type", "output"}, {"stream", stream == 2 ? "stderr" : "stdout"}, {"data", data}});
  }

  api::Encoding encoding_ = api::Encoding::utf8;
  api::Utf8Chunks chunks_[2];
};

}  // namespace

std::optional<int> signal_number(std::string_view name) {
  static const std::pair<std::string_view, int> known[] = {
      {"SIGINT", SIGINT},   {"SIGTERM", SIGTERM}, {"SIGKILL", SIGKILL}, {"SIGHUP", SIGHUP},   {"SIGQUIT", SIGQUIT},
      {"SIGUSR1", SIGUSR1}, {"SIGUSR2", SIGUSR2}, {"SIGSTOP", SIGSTOP}, {"SIGCONT", SIGCONT}, {"SIGALRM", SIGALRM},
      {"SIGABRT", SIGABRT}, {"SIGPIPE", SIGPIPE}, {"SIGWINCH", SIGWINCH},
  };
  for (const auto& [n, s] : known)
    if (n == name) return s;
  return std::nullopt;
}

std::unique_ptr<LiveDialect> v1_live_dialect() { return std::make_unique<V1Dialect>(); }

}  // namespace runbox::server
