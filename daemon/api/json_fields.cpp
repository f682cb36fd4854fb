#include "api/json_fields.hpp"

#include <boost/json.hpp>
#include <cmath>

namespace runbox::api::json_fields {

void refuse(std::string message) {
  throw Fault{ApiError{400, "invalid_request", std::move(message)}};
}

std::string member_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string path(parent);
  path += '.';
  path += key;
  return path;
}

std::string element_path(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

void refuse_unknown(const boost::json::object& object, std::initializer_list<std::string_view> known,
                    std::string_view path) {
  for (const auto& member : object) {
    const std::string_view key(member.key().data(), member.key().size());
    bool is_known = false;
    for (const std::string_view k : known) is_known = is_known || k == key;
    if (!is_known)
      throw Fault{ApiError{400, "unknown_field", "unknown field " + member_path(path, key)}};
  }
}

const boost::json::object& as_object(const boost::json::value& v, std::string_view path) {
  if (!v.is_object()) refuse(std::string(path) + " must be an object");
  return v.get_object();
}

const boost::json::array& as_array(const boost::json::value& v, std::string_view path) {
  if (!v.is_array()) refuse(std::string(path) + " must be an array");
  return v.get_array();
}

std::string_view as_string(const boost::json::value& v, std::string_view path) {
  if (!v.is_string()) refuse(std::string(path) + " must be a string");
  const auto& s = v.get_string();
  return {s.data(), s.size()};
}

std::uint64_t as_count(const boost::json::value& v, std::string_view path) {
  if (v.is_uint64()) return v.get_uint64();
  if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
  refuse(std::string(path) + " must be a non-negative integer");
}

std::uint64_t as_cores_milli(const boost::json::value& v, std::string_view path) {
  if (!v.is_number()) refuse(std::string(path) + " must be a non-negative number (cores, e.g. 0.5)");
  const double cores = v.to_number<double>();
  if (!(cores >= 0)) refuse(std::string(path) + " must be a non-negative number (cores, e.g. 0.5)");
  constexpr double kSaturate = 1e15;  // thousandths: exact in a double and in a uint64
  const double milli = cores * 1000;
  return milli >= kSaturate ? static_cast<std::uint64_t>(kSaturate) : static_cast<std::uint64_t>(std::llround(milli));
}

}  // namespace runbox::api::json_fields
