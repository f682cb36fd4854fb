#pragma once
#include <boost/json/value.hpp>

#include "runbox/sandbox/result.hpp"

namespace runbox::cli {

// The sandbox Result as JSON: the field names of the API's Stage, plus "error" for internal errors.
boost::json::value result_to_json(const sandbox::Result& r);

}  // namespace runbox::cli
