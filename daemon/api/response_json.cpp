#include "api/response_json.hpp"

#include <boost/json.hpp>

#include "api/base64.hpp"
#include "api/utf8_replace.hpp"

namespace runbox::api {
namespace {

boost::json::value output_to_json(const std::string& bytes, Encoding encoding) {
  return boost::json::value(encoding == Encoding::base64 ? base64_encode(bytes)
                                                         : utf8_replace(bytes));
}

template <typename T>
boost::json::value or_null(const std::optional<T>& v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

}  // namespace

boost::json::value stage_to_json(const Stage& stage, Encoding encoding) {
  boost::json::object o;
  o["status"] = stage.status;
  o["exit_code"] = or_null(stage.exit_code);
  o["signal"] = or_null(stage.signal);
  o["stdout"] = output_to_json(stage.stdout_data, encoding);
  o["stderr"] = output_to_json(stage.stderr_data, encoding);
  o["stdout_truncated"] = stage.stdout_truncated;
  o["stderr_truncated"] = stage.stderr_truncated;
  o["cpu_ms"] = stage.cpu_ms;
  o["wall_ms"] = stage.wall_ms;
  o["memory_kb"] = stage.memory_kb;
  return o;
}

boost::json::value test_to_json(const Stage& stage, Encoding encoding) {
  boost::json::value v = stage_to_json(stage, encoding);
  v.get_object()["verdict"] = stage.verdict.value_or(stage.status);
  return v;
}

boost::json::value response_to_json(const RunResponse& response, Encoding encoding) {
  boost::json::object o;
  o["id"] = response.id;
  o["runtime"] = response.runtime;
  o["version"] = or_null(response.version);
  o["backend"] = response.backend;
  o["compile"] = response.compile ? stage_to_json(*response.compile, encoding) : nullptr;
  o["run"] = response.run ? stage_to_json(*response.run, encoding) : nullptr;
  if (response.tests) {
    boost::json::array tests;
    for (const Stage& t : *response.tests) tests.push_back(test_to_json(t, encoding));
    o["tests"] = std::move(tests);
  } else {
    o["tests"] = nullptr;
  }
  return o;
}

}  // namespace runbox::api
