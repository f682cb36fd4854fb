#include "api/error_body.hpp"

#include <boost/json.hpp>

namespace runbox::api {

std::string error_body(const ApiError& e) {
  boost::json::object inner{{"code", e.code}, {"message", e.message}};
  return boost::json::serialize(boost::json::object{{"error", std::move(inner)}});
}

}  // namespace runbox::api
