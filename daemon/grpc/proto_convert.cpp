#include "grpc/proto_convert.hpp"

namespace runbox::grpc_api {
namespace {

config::LimitOverrides from_proto(const runbox::v1::Limits& l) {
  config::LimitOverrides o;
  if (l.has_cpu_ms()) o.cpu_ms = l.cpu_ms();
  if (l.has_wall_ms()) o.wall_ms = l.wall_ms();
  if (l.has_memory_mb()) o.memory_mb = l.memory_mb();
  if (l.has_pids()) o.pids = l.pids();
  if (l.has_output_kb()) o.output_kb = l.output_kb();
  if (l.has_file_size_kb()) o.file_size_kb = l.file_size_kb();
  if (l.has_cpus_milli()) o.cpus_milli = l.cpus_milli();
  return o;
}

api::Compare from_proto(runbox::v1::Compare c) {
  switch (c) {
    case runbox::v1::COMPARE_EXACT: return api::Compare::exact;
    case runbox::v1::COMPARE_TOKENS: return api::Compare::tokens;
    case runbox::v1::COMPARE_FLOAT: return api::Compare::float_tokens;
    case runbox::v1::COMPARE_LINES_UNORDERED: return api::Compare::lines_unordered;
    case runbox::v1::COMPARE_CHECKER: return api::Compare::checker;
    default: return api::Compare::trim;  // TRIM, UNSPECIFIED (the JSON API's default)
  }
}

}  // namespace

api::RunRequest from_proto(const runbox::v1::RunRequest& in) {
  api::RunRequest r;
  r.runtime = in.runtime();
  r.files.reserve(in.files_size());
  for (const auto& f : in.files()) r.files.push_back(api::SourceFile{f.name(), f.content()});
  r.stdin_data = in.stdin();
  r.args.assign(in.args().begin(), in.args().end());
  r.encoding = api::Encoding::utf8;  // only the JSON serialiser reads it; bytes need none
  if (in.has_limits()) r.limits = from_proto(in.limits());
  if (in.has_compile_limits()) r.compile_limits = from_proto(in.compile_limits());
  if (in.tests_size() > 0) {
    r.tests.emplace();
    r.tests->reserve(in.tests_size());
    for (const auto& t : in.tests())
      r.tests->push_back(api::TestCase{t.stdin(), t.expected_stdout(), {t.args().begin(), t.args().end()}, t.hidden()});
  }
  r.compare = from_proto(in.compare());
  if (in.has_tolerance()) {
    if (in.tolerance().has_abs()) r.tolerance.abs = in.tolerance().abs();
    if (in.tolerance().has_rel()) r.tolerance.rel = in.tolerance().rel();
  }
  if (r.compare == api::Compare::checker) {
    api::CheckerRequest c;
    c.name = in.checker().name();
    c.runtime = in.checker().runtime();
    for (const auto& f : in.checker().files()) c.files.push_back(api::SourceFile{f.name(), f.content()});
    r.checker = std::move(c);
  }
  r.strip_control = in.strip_control();
  return r;
}

void to_proto(api::StageResult&& in, runbox::v1::StageResult* out) {
  out->set_status(std::move(in.status));
  if (in.exit_code) out->set_exit_code(*in.exit_code);
  if (in.signal) out->set_signal(std::move(*in.signal));
  out->set_stdout(std::move(in.stdout_data));
  out->set_stderr(std::move(in.stderr_data));
  out->set_stdout_truncated(in.stdout_truncated);
  out->set_stderr_truncated(in.stderr_truncated);
  out->set_cpu_ms(in.cpu_ms);
  out->set_wall_ms(in.wall_ms);
  out->set_memory_kb(in.memory_kb);
  if (in.verdict) out->set_verdict(std::move(*in.verdict));
  out->set_output(std::move(in.output_data));
  out->set_hidden(in.hidden);
  if (in.checker_message) out->set_checker_message(std::move(*in.checker_message));
  out->set_cached(in.cached);
}

void to_proto(api::RunResponse&& in, runbox::v1::RunResponse* out) {
  out->set_id(std::move(in.id));
  out->set_runtime(std::move(in.runtime));
  if (in.version) out->set_version(std::move(*in.version));
  out->set_backend(std::move(in.backend));
  if (in.compile) to_proto(std::move(*in.compile), out->mutable_compile());
  if (in.run) to_proto(std::move(*in.run), out->mutable_run());
  if (in.tests)
    for (auto& t : *in.tests) to_proto(std::move(t), out->add_tests());
  out->set_cached(in.cached);
}

void to_proto(const job::StageRef& in, runbox::v1::StageRef* out) {
  switch (in.kind) {
    case job::StageRef::Kind::compile: out->set_stage(runbox::v1::STAGE_COMPILE); break;
    case job::StageRef::Kind::run: out->set_stage(runbox::v1::STAGE_RUN); break;
    case job::StageRef::Kind::test:
      out->set_stage(runbox::v1::STAGE_TEST);
      out->set_test(static_cast<std::uint32_t>(in.test));
      break;
  }
}

}  // namespace runbox::grpc_api
