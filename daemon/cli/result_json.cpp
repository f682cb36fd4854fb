#include "result_json.hpp"

#include <boost/json.hpp>

namespace runbox::cli {

boost::json::value result_to_json(const sandbox::Result& r) {
  boost::json::object o;
  o["status"] = sandbox::to_string(r.status);
  o["exit_code"] = r.exit_code ? boost::json::value(*r.exit_code) : boost::json::value(nullptr);
  o["signal"] = r.signal ? boost::json::value(*r.signal) : boost::json::value(nullptr);
  o["stdout"] = r.stdout_data;
  o["stderr"] = r.stderr_data;
  o["stdout_truncated"] = r.stdout_truncated;
  o["stderr_truncated"] = r.stderr_truncated;
  o["cpu_ms"] = r.cpu_ms;
  o["wall_ms"] = r.wall_ms;
  o["memory_kb"] = r.memory_kb;
  if (r.status == sandbox::Status::internal_error) o["error"] = r.error;
  return o;
}

}  // namespace runbox::cli
