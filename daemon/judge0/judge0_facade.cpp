#include "judge0/judge0_facade.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>
#include <charconv>

#include "config/effective_limits.hpp"
#include "config/placeholders.hpp"
#include "judge0/callback.hpp"
#include "judge0/judge0_request.hpp"
#include "judge0/judge0_status.hpp"
#include "judge0/languages.hpp"
#include "judge0/submission_json.hpp"
#include "judge0/submission_store.hpp"
#include "log/logger.hpp"
#include "server/core_await.hpp"
#include "server/http_reply.hpp"

namespace runbox::judge0 {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace http = server::http;
using server::Request;
using server::Response;

constexpr const char* kApiVersion = "1.13.1";  // the Judge0 CE release whose contract this is
constexpr std::size_t kMaxBatch = 20;          // Judge0's MAX_SUBMISSION_BATCH_SIZE
constexpr const char* kQueueFull = "queue is full";

Response reply(const Request& req, int status, const json::value& body) {
  return server::json_reply(req, status, json::serialize(body));
}
Response error_reply(const Request& req, int status, const std::string& message) {
  return reply(req, status, json::object{{"error", message}});
}

std::string joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

std::optional<json::value> parse_body(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return std::nullopt;
  return v;
}

}  // namespace

struct Judge0Facade::Prepared {
  std::shared_ptr<const service::RunPlan> plan;
  std::shared_ptr<service::RunRecord> record;
  Submission submission;
  json::object doc;
  std::string token;
};

struct Judge0Facade::Rejection {
  int status;
  json::value body;
};

namespace {

// The outcome judged, stored and called back: the finished document and its status id.
std::pair<json::object, int> finish(SubmissionStore& store, service::Metrics& metrics, const std::shared_ptr<const service::RunPlan>& plan,
                                    service::RunRecord& record, const Submission& s, json::object doc,
                                    const std::string& token, service::RunOutcome& outcome, asio::any_io_executor exec) {
  record.finished(*plan, outcome, metrics);
  const Verdict v = judge(outcome.job, s.expected_output, s.redirect_stderr_to_stdout);
  set_verdict(doc, v, s.redirect_stderr_to_stdout);
  store.update(token, v.status, json::serialize(doc));
  if (s.callback_url)
    if (auto url = parse_http_url(*s.callback_url))  // Judge0 sends its default fields, base64
      send_callback(exec, *url, token, json::serialize(render(doc, v.status, default_fields(), true)));
  return {std::move(doc), v.status};
}

}  // namespace

Judge0Facade::Judge0Facade(service::RunService& core, config::Judge0Config config)
    : core_(core), config_(std::move(config)) {
  store_ = std::make_shared<SubmissionStore>(config_.store, std::chrono::seconds(config_.token_ttl_s), config_.max_submissions);
  if (auto why = store_->problem()) {
    logging::error("judge0_store", "judge0: the submission store is unavailable (Judge0 endpoints answer 503): " + *why,
                   {{"file", config_.store.string()}, {"error", *why}});
    return;
  }
  // What a previous daemon had not finished (it was killed, or the host went down) is reported
  // as an Internal Error: its run is gone, and running it again could run it twice.
  const std::size_t interrupted = store_->recover(kInternalError, [](const std::string& text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return text;
    set_interrupted(v.as_object(), "runbox: interrupted: runboxd stopped before this submission finished");
    return json::serialize(v);
  });
  logging::info("judge0", "judge0 CE API at " + config_.prefix + ", submissions in " + config_.store.string(),
                {{"prefix", config_.prefix}, {"store", config_.store.string()}, {"interrupted", interrupted},
                 {"stored", store_->size()}});
}

Judge0Facade::~Judge0Facade() = default;

std::optional<std::string> Judge0Facade::route(std::string_view path) const {
  if (path.substr(0, config_.prefix.size()) != config_.prefix) return std::nullopt;
  std::string_view sub = path.substr(config_.prefix.size());
  if (!sub.empty() && sub[0] != '/') return std::nullopt;
  // Low-cardinality labels: a token or an id is never a label value.
  for (std::string_view known : {"/submissions", "/submissions/batch", "/languages", "/languages/all", "/statuses",
                                 "/about", "/version"})
    if (sub == known) return config_.prefix + std::string(known);
  if (sub.rfind("/submissions/", 0) == 0) return config_.prefix + "/submissions/:token";
  if (sub.rfind("/languages/", 0) == 0) return config_.prefix + "/languages/:id";
  return config_.prefix + "/other";
}

std::optional<Response> Judge0Facade::store_unavailable(const Request& req) const {
  if (auto why = store_->problem()) return error_reply(req, 503, "the submission store is unavailable: " + *why);
  return std::nullopt;
}

asio::awaitable<Response> Judge0Facade::handle(const Request& req, server::RequestContext ctx,
                                               const service::Caller& caller) {
  const std::string path(server::path_of(req.target()));
  const std::string sub = path.substr(config_.prefix.size());
  const auto method = req.method();
  auto only = [&](http::verb allowed) -> std::optional<Response> {
    if (method == allowed) return std::nullopt;
    Response res = error_reply(req, 405, std::string(http::to_string(allowed)) + " is the only method for " + path);
    res.set(http::field::allow, http::to_string(allowed));
    return res;
  };
  if (sub == "/submissions") {
    if (auto r = only(http::verb::post)) co_return *r;
    co_return co_await create(req, ctx, caller);
  }
  if (sub == "/submissions/batch") {
    if (method == http::verb::post) co_return co_await create_batch(req, caller);
    if (auto r = only(http::verb::get)) co_return *r;
    co_return show_batch(req, caller);
  }
  if (sub.rfind("/submissions/", 0) == 0) {
    if (auto r = only(http::verb::get)) co_return *r;
    co_return show(req, caller, sub.substr(std::string_view("/submissions/").size()));
  }
  if (auto r = only(http::verb::get)) co_return *r;
  if (sub == "/languages") co_return languages(req, false);
  if (sub == "/languages/all") co_return languages(req, true);
  if (sub.rfind("/languages/", 0) == 0) co_return language(req, std::string_view(sub).substr(11));
  if (sub == "/statuses") {
    json::array list;
    for (int id = kFirstStatus; id <= kLastStatus; ++id)
      list.push_back(json::object{{"id", id}, {"description", status_description(id)}});
    co_return reply(req, 200, list);
  }
  if (sub == "/about")
    co_return reply(req, 200,
                    json::object{{"version", kApiVersion},
                                 {"homepage", ""},
                                 {"source_code", ""},
                                 {"maintainer", "runboxd " RUNBOX_VERSION " (a Judge0 CE " + std::string(kApiVersion) +
                                                    " compatible API)"}});
  if (sub == "/version") {
    Response res = server::json_reply(req, 200, kApiVersion);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    co_return res;
  }
  co_return error_reply(req, 404, "no such endpoint: " + path);
}

std::variant<Judge0Facade::Prepared, Judge0Facade::Rejection> Judge0Facade::prepare(const json::value& body, bool base64,
                                                                                    const service::Caller& caller) {
  auto parsed = parse_submission(body, base64, config_.callback_hosts);
  if (auto* e = std::get_if<FieldErrors>(&parsed)) return Rejection{422, errors_json(*e)};
  Submission& s = std::get<Submission>(parsed);
  auto g = core_.generation();
  const Language* lang = language_by_id(s.language_id);
  const service::RuntimeState* rt = lang ? g->catalog->find(lang->runtime) : nullptr;
  if (!rt || rt->def.name != lang->runtime)
    return Rejection{422, errors_json({{"language_id", {"language with id " + std::to_string(s.language_id) + " doesn't exist"}}})};
  const auto& policy = g->tiers.at(caller.tier).policy;
  if (s.number_of_runs > 1 && s.number_of_runs > policy.request.max_tests)
    return Rejection{422, errors_json({{"number_of_runs",
                                        {"must be less than or equal to " + std::to_string(policy.request.max_tests)}}})};
  auto limits = judge0_limits(policy, rt->def, s.limits);
  if (auto* e = std::get_if<FieldErrors>(&limits)) return Rejection{422, errors_json(*e)};
  const std::vector<std::string> options = split_words(s.compiler_options);
  if (!options.empty() && !(lang->compiler_options && rt->def.has_compile()))
    return Rejection{422, errors_json({{"compiler_options", {"setting compiler options is not allowed for language with id " +
                                                             std::to_string(lang->id)}}})};
  auto record = std::make_shared<service::RunRecord>(caller);
  auto planned = core_.plan(g, caller, to_run_request(s, std::string(lang->runtime)), *record);
  if (auto* r = std::get_if<service::Refusal>(&planned)) {
    record->refused(*r);
    return Rejection{r->status, json::object{{"error", r->message}}};
  }
  auto& plan = std::get<service::RunPlan>(planned);
  if (plan.job.compile && !options.empty()) {
    plan.job.compile->argv.insert(plan.job.compile->argv.end(), options.begin(), options.end());
    plan.job.compile_key.clear();  // keyed without the options: not cached
  }
  Prepared p;
  p.token = new_token();
  p.doc = new_document(s, p.token, *lang, language_name(*lang, rt->version), plan.job.run.limits);
  p.plan = std::make_shared<const service::RunPlan>(std::move(plan));
  p.record = std::move(record);
  p.submission = std::move(s);
  return p;
}

bool Judge0Facade::enqueue(Prepared prepared, asio::any_io_executor exec) {
  // Its own eventfd: a drain that gives up (docs/api.md, "Scheduling") cancels it like any run.
  const int cancel_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  auto p = std::make_shared<Prepared>(std::move(prepared));
  auto store = store_;
  service::Metrics& metrics = core_.metrics();
  auto done = [p, store, &metrics, exec, cancel_fd](service::RunOutcome outcome) {
    finish(*store, metrics, p->plan, *p->record, p->submission, p->doc, p->token, outcome, exec);
    if (cancel_fd >= 0) ::close(cancel_fd);
  };
  auto started = [p, store] { store->update(p->token, kProcessing, json::serialize(p->doc)); };
  if (core_.execute(p->plan, cancel_fd, done, started)) return true;
  if (cancel_fd >= 0) ::close(cancel_fd);
  p->record->refused(service::RunService::overloaded());
  store_->remove(p->token);
  return false;
}

asio::awaitable<Response> Judge0Facade::create(const Request& req, server::RequestContext ctx,
                                               const service::Caller& caller) {
  auto query = parse_query(req.target());
  if (auto* e = std::get_if<std::string>(&query)) co_return error_reply(req, 400, *e);
  const QueryOptions& q = std::get<QueryOptions>(query);
  if (auto r = store_unavailable(req)) co_return *r;
  auto body = parse_body(req.body());
  if (!body) co_return error_reply(req, 400, "the request body is not valid JSON");
  auto prepared = prepare(*body, q.base64, caller);
  if (auto* r = std::get_if<Rejection>(&prepared)) co_return reply(req, r->status, r->body);
  Prepared& p = std::get<Prepared>(prepared);
  const std::string token = p.token;
  switch (store_->insert(caller.key, {{token, q.wait ? kProcessing : kInQueue, json::serialize(p.doc)}})) {
    case SubmissionStore::Insert::ok: break;
    case SubmissionStore::Insert::full: p.record->refused({503, "queue_full", kQueueFull}); co_return error_reply(req, 503, kQueueFull);
    case SubmissionStore::Insert::failed: co_return error_reply(req, 503, "the submission store could not save it");
  }
  auto exec = co_await asio::this_coro::executor;
  if (!q.wait) {
    if (!enqueue(std::move(p), exec)) co_return error_reply(req, 503, kQueueFull);
    co_return reply(req, 201, json::object{{"token", token}});
  }
  std::optional<service::RunOutcome> outcome = co_await server::execute_on_slot(core_, p.plan, ctx.cancel_fd);
  if (!outcome) {
    p.record->refused(service::RunService::overloaded());
    store_->remove(token);
    co_return error_reply(req, 503, kQueueFull);
  }
  auto [doc, status] = finish(*store_, core_.metrics(), p.plan, *p.record, p.submission, std::move(p.doc), token, *outcome, exec);
  co_return reply(req, 201, render(doc, status, q.fields.value_or(default_fields()), q.base64));
}

asio::awaitable<Response> Judge0Facade::create_batch(const Request& req, const service::Caller& caller) {
  auto query = parse_query(req.target());
  if (auto* e = std::get_if<std::string>(&query)) co_return error_reply(req, 400, *e);
  const bool base64 = std::get<QueryOptions>(query).base64;  // batches ignore wait and fields
  if (auto r = store_unavailable(req)) co_return *r;
  auto body = parse_body(req.body());
  if (!body) co_return error_reply(req, 400, "the request body is not valid JSON");
  const json::value* items = body->is_object() ? body->as_object().if_contains("submissions") : nullptr;
  if (!items || !items->is_array()) co_return error_reply(req, 400, "the body must be {\"submissions\": [...]}");
  const json::array& list = items->get_array();
  if (list.empty()) co_return error_reply(req, 400, "there should be at least one submission in a batch");
  if (list.size() > kMaxBatch)
    co_return error_reply(req, 400, "number of submissions in a batch should be less than or equal to " + std::to_string(kMaxBatch));
  json::array answer;
  std::vector<Prepared> accepted;
  std::vector<StoredSubmission> rows;
  for (const auto& item : list) {
    auto prepared = prepare(item, base64, caller);
    if (auto* r = std::get_if<Rejection>(&prepared)) {
      answer.push_back(r->body);
      continue;
    }
    Prepared& p = std::get<Prepared>(prepared);
    answer.push_back(json::object{{"token", p.token}});
    rows.push_back({p.token, kInQueue, json::serialize(p.doc)});
    accepted.push_back(std::move(p));
  }
  if (accepted.empty()) co_return reply(req, 422, answer);
  switch (store_->insert(caller.key, rows)) {
    case SubmissionStore::Insert::ok: break;
    case SubmissionStore::Insert::full: co_return error_reply(req, 503, kQueueFull);
    case SubmissionStore::Insert::failed: co_return error_reply(req, 503, "the submission store could not save it");
  }
  auto exec = co_await asio::this_coro::executor;  // callbacks are sent from the I/O threads
  for (auto& p : accepted) {
    const std::string token = p.token;
    if (!enqueue(std::move(p), exec))
      for (auto& a : answer)
        if (a.is_object() && a.as_object().if_contains("token") && a.at("token") == token.c_str())
          a = json::object{{"error", kQueueFull}};
  }
  co_return reply(req, 201, answer);
}

Response Judge0Facade::show(const Request& req, const service::Caller& caller, const std::string& token) {
  auto query = parse_query(req.target());
  if (auto* e = std::get_if<std::string>(&query)) return error_reply(req, 400, *e);
  const QueryOptions& q = std::get<QueryOptions>(query);
  if (auto r = store_unavailable(req)) return *r;
  // Another key's token is as unknown as one never made: no way to probe for them.
  auto row = store_->find(token, caller.key);
  if (!row) return error_reply(req, 404, "submission with token " + token.substr(0, 64) + " not found");
  boost::system::error_code ec;
  json::value doc = json::parse(row->document, ec);
  if (ec || !doc.is_object()) return error_reply(req, 500, "the stored submission cannot be read");
  return reply(req, 200, render(doc.as_object(), row->status_id, q.fields.value_or(default_fields()), q.base64));
}

Response Judge0Facade::show_batch(const Request& req, const service::Caller& caller) {
  auto query = parse_query(req.target());
  if (auto* e = std::get_if<std::string>(&query)) return error_reply(req, 400, *e);
  QueryOptions q = std::get<QueryOptions>(query);
  if (auto r = store_unavailable(req)) return *r;
  if (q.tokens.empty()) {  // Judge0 also takes them in a "tokens" header
    auto header = req["tokens"];
    auto from_header = parse_query("?tokens=" + std::string(header.data(), header.size()));
    if (auto* h = std::get_if<QueryOptions>(&from_header)) q.tokens = h->tokens;
  }
  if (q.tokens.empty()) return error_reply(req, 400, "tokens are required (?tokens=a,b,c)");
  if (q.tokens.size() > kMaxBatch)
    return error_reply(req, 400, "number of tokens in a batch should be less than or equal to " + std::to_string(kMaxBatch));
  json::array list;
  for (const auto& token : q.tokens) {
    auto row = store_->find(token, caller.key);
    boost::system::error_code ec;
    json::value doc = row ? json::parse(row->document, ec) : json::value(nullptr);
    if (!row || ec || !doc.is_object()) {
      list.emplace_back(nullptr);
      continue;
    }
    list.push_back(render(doc.as_object(), row->status_id, q.fields.value_or(default_fields()), q.base64));
  }
  return reply(req, 200, json::object{{"submissions", std::move(list)}});
}

Response Judge0Facade::languages(const Request& req, bool all) const {
  auto g = core_.generation();
  json::array list;
  for (const auto& l : all_languages()) {
    const service::RuntimeState* rt = g->catalog->find(l.runtime);
    if (!rt || rt->def.name != l.runtime) continue;
    json::object o{{"id", l.id}, {"name", language_name(l, rt->version)}};
    if (all) o["is_archived"] = false;
    list.push_back(std::move(o));
  }
  std::sort(list.begin(), list.end(), [](const json::value& a, const json::value& b) {
    return a.at("name").get_string() < b.at("name").get_string();
  });
  return reply(req, 200, list);
}

Response Judge0Facade::language(const Request& req, std::string_view id_text) const {
  int id = 0;
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  auto g = core_.generation();
  const Language* l = ec == std::errc{} && end == id_text.data() + id_text.size() ? language_by_id(id) : nullptr;
  const service::RuntimeState* rt = l ? g->catalog->find(l->runtime) : nullptr;
  if (!rt || rt->def.name != l->runtime)
    return error_reply(req, 404, "language with id " + std::string(id_text.substr(0, 32)) + " doesn't exist");
  // The commands as a default run gets them (placeholders filled with the default limits).
  const auto& policy = g->default_tier().policy;
  auto command = [&](const std::vector<std::string>& argv, config::StageKind stage) {
    return joined(config::expand_placeholders(argv, config::stage_bounds(policy, rt->def, stage).defaults));
  };
  return reply(req, 200,
               json::object{{"id", l->id},
                            {"name", language_name(*l, rt->version)},
                            {"is_archived", false},
                            {"source_file", rt->def.source_file},
                            {"compile_cmd", rt->def.compile ? json::value(command(*rt->def.compile, config::StageKind::compile))
                                                            : json::value(nullptr)},
                            {"run_cmd", command(rt->def.run, config::StageKind::run)}});
}

void add_to(server::App& app, service::RunService& core, const config::Judge0Config& config) {
  if (config.enabled) app.add_facade(std::make_unique<Judge0Facade>(core, config));
}

}  // namespace runbox::judge0
