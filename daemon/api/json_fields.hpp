#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

#include "api/run_request.hpp"

// Typed access to the fields of a parsed request body. Each reader names the field by its path
// ("limits.cpu_ms", "files[0].name") in the message of the fault it throws.
namespace runbox::api::json_fields {

// Thrown by the readers; the parser's entry point turns it into its answer.
struct Fault {
  ApiError error;
};

[[noreturn]] void refuse(std::string message);  // 400 invalid_request

std::string member_path(std::string_view parent, std::string_view key);  // "limits" + "cpu_ms"
std::string element_path(std::string_view parent, std::size_t index);    // "files" + 0

// 400 unknown_field naming the first member of `object` not in `known`.
void refuse_unknown(const boost::json::object& object, std::initializer_list<std::string_view> known,
                    std::string_view path);

// JSON null is a wrong type like any other: an absent field is how a default is asked for.
const boost::json::object& as_object(const boost::json::value& v, std::string_view path);
const boost::json::array& as_array(const boost::json::value& v, std::string_view path);
std::string_view as_string(const boost::json::value& v, std::string_view path);
// A JSON integer >= 0. Every JSON double is refused, 2000.0 too: limits are counts.
std::uint64_t as_count(const boost::json::value& v, std::string_view path);
// A JSON number >= 0 (integer or not) of cores, in thousandths rounded to the nearest: 0.5 ->
// 500. Huge values saturate (far above any policy's maximum, so they are refused there).
std::uint64_t as_cores_milli(const boost::json::value& v, std::string_view path);

}  // namespace runbox::api::json_fields
