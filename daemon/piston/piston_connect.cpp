// Piston's interactive protocol, WebSocket /api/v2/connect (its api/src/api/v2.js; docs/compat.md):
//   client: {"type":"init", ...the fields of /api/v2/execute (its stdin is discarded)...}
//           {"type":"data","stream":"stdin","data":...}  {"type":"signal","signal":"SIGINT"}
//   server: {"type":"runtime","language","version"}  {"type":"stage","stage":"compile"|"run"}
//           {"type":"data","stream":"stdout"|"stderr","data"}  {"type":"exit","stage","code","signal"}
//           {"type":"error","message"}
//   close:  4000 Already Initialized, 4001 Initialization Timeout (no init within 1 s), 4002
//           Notified Error, 4003 Not yet Initialized, 4004 Can only write to stdin, 4005 Invalid
//           Signal, 4999 Job Completed.
#include <boost/json.hpp>

#include "api/utf8_chunks.hpp"
#include "piston/piston_facade.hpp"
#include "piston/piston_request.hpp"
#include "piston/piston_runtimes.hpp"

namespace runbox::piston {
namespace {

namespace json = boost::json;
using server::LiveClose;

LiveClose notified_error(const std::string& message) {
  return {json::serialize(json::object{{"type", "error"}, {"message", message}}), 4002, "Notified Error"};
}

class ConnectDialect final : public server::LiveDialect {
 public:
  std::string_view endpoint() const override { return "/api/v2/connect"; }
  std::chrono::milliseconds start_timeout(const config::InteractiveConfig&) const override {
    return std::chrono::seconds(1);  // Piston's
  }
  LiveClose start_timed_out() const override { return {{}, 4001, "Initialization Timeout"}; }

  std::variant<Start, LiveClose> parse_start(std::string_view text, const service::Generation& g,
                                             const service::Caller&, const config::InteractiveConfig& c) override {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return notified_error("Unexpected token in JSON");
    json::object o = std::move(v.as_object());
    const json::value* type = o.if_contains("type");
    const std::string t = type && type->is_string() ? std::string(type->as_string()) : std::string();
    if (t == "data" || t == "signal") return LiveClose{{}, 4003, "Not yet Initialized"};
    if (t != "init") return notified_error("the first message must be {\"type\": \"init\", ...}");
    o.erase("type");
    o.erase("stdin");  // Piston: "stdin is discarded"; it comes in data messages
    auto parsed = parse_execute(json::serialize(o));
    if (auto* e = std::get_if<PistonError>(&parsed)) return notified_error(e->message);
    auto& ask = std::get<ExecuteRequest>(parsed);
    auto rt = resolve_runtime(*g.catalog, ask.language, ask.version);
    if (!rt) return notified_error(ask.language + "-" + ask.version + " runtime is unknown");
    ask.core.runtime = rt->state->def.name;
    ask.core.stdin_data.clear();
    language_ = rt->language;
    version_ = rt->version.text();
    return Start{std::move(ask.core), std::chrono::milliseconds(c.idle_input_ms)};
  }

  LiveClose refused(const service::Refusal& r) const override {
    if (r.status == 422 && r.maximum) {
      PistonLimit limit = piston_limit(r.field, *r.maximum);
      if (!limit.name.empty())
        return notified_error(limit.name + " cannot exceed the configured limit of " + std::to_string(limit.maximum));
    }
    return notified_error(r.message);
  }

  Input parse_input(std::string_view text) override {
    Input in;
    auto end = [&](LiveClose c) {
      in.kind = Input::Kind::end;
      in.close = std::move(c);
      return in;
    };
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return end(notified_error("Unexpected token in JSON"));
    const json::object& o = v.as_object();
    const json::value* type = o.if_contains("type");
    const std::string t = type && type->is_string() ? std::string(type->as_string()) : std::string();
    if (t == "init") return end({{}, 4000, "Already Initialized"});
    if (t == "data") {
      const json::value* stream = o.if_contains("stream");
      if (!stream || !stream->is_string() || stream->as_string() != "stdin") return end({{}, 4004, "Can only write to stdin"});
      const json::value* d = o.if_contains("data");
      if (!d || !d->is_string()) return end(notified_error("data must be a string"));
      in.kind = Input::Kind::stdin_data;
      in.data.assign(d->as_string());
      return in;
    }
    if (t == "signal") {
      const json::value* s = o.if_contains("signal");
      std::optional<int> sig = s && s->is_string() ? server::signal_number(s->as_string()) : std::nullopt;
      if (!sig) return end({{}, 4005, "Invalid signal"});
      in.kind = Input::Kind::signal;
      in.signal = *sig;
      return in;
    }
    return in;  // Piston ignores other types
  }

  std::string started(const service::RunPlan&) override {
    return json::serialize(json::object{{"type", "runtime"}, {"language", language_}, {"version", version_}});
  }

  std::string stage_started(const job::StageRef& stage) override {
    chunks_[0] = chunks_[1] = {};
    return json::serialize(json::object{{"type", "stage"}, {"stage", job::stage_name(stage.kind)}});
  }

  std::string output(const job::StageRef&, std::uint8_t stream, std::string_view bytes) override {
    std::string data = chunks_[stream == 2].push(bytes);
    return data.empty() ? std::string() : data_message(stream, data);
  }

  std::vector<std::string> stage_finished(const job::StageRef& stage, sandbox::Result result, bool) override {
    std::vector<std::string> out;
    for (std::uint8_t stream : {std::uint8_t{1}, std::uint8_t{2}})
      if (std::string rest = chunks_[stream == 2].flush(); !rest.empty()) out.push_back(data_message(stream, rest));
    json::object exit{{"type", "exit"}, {"stage", job::stage_name(stage.kind)}};
    exit["code"] = result.exit_code ? json::value(*result.exit_code) : json::value(nullptr);
    exit["signal"] = result.signal ? json::value(*result.signal) : json::value(nullptr);
    out.push_back(json::serialize(exit));
    return out;
  }

  LiveClose finished(const std::string&) override { return {{}, 4999, "Job Completed"}; }

 private:
  static std::string data_message(std::uint8_t stream, const std::string& data) {
    return json::serialize(json::object{{"type", "data"}, {"stream", stream == 2 ? "stderr" : "stdout"}, {"data", data}});
  }

  std::string language_, version_;
  api::Utf8Chunks chunks_[2];
};

}  // namespace

std::unique_ptr<server::LiveDialect> connect_dialect() { return std::make_unique<ConnectDialect>(); }

}  // namespace runbox::piston
