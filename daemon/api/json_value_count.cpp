#include "api/json_value_count.hpp"

#include <boost/json/basic_parser_impl.hpp>

namespace runbox::api {
namespace {

using boost::json::error_code;
using boost::json::string_view;

struct Counting {
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  std::size_t left;
  bool over = false;

  bool value(error_code& ec) {
    if (left == 0) {
      over = true;
      ec = boost::json::error::exception;  // any error stops the parser; `over` says which
      return false;
    }
    --left;
    return true;
  }
  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code& ec) { return value(ec); }
  bool on_array_end(std::size_t, error_code&) { return true; }
  bool on_object_begin(error_code& ec) { return value(ec); }
  bool on_object_end(std::size_t, error_code&) { return true; }
  bool on_string_part(string_view, std::size_t, error_code&) { return true; }
  bool on_string(string_view, std::size_t, error_code& ec) { return value(ec); }
  bool on_key_part(string_view, std::size_t, error_code&) { return true; }
  bool on_key(string_view, std::size_t, error_code&) { return true; }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t, string_view, error_code& ec) { return value(ec); }
  bool on_uint64(std::uint64_t, string_view, error_code& ec) { return value(ec); }
  bool on_double(double, string_view, error_code& ec) { return value(ec); }
  bool on_bool(bool, error_code& ec) { return value(ec); }
  bool on_null(error_code& ec) { return value(ec); }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }
};

}  // namespace

bool json_values_at_most(std::string_view text, std::size_t max_values, std::size_t max_depth) {
  boost::json::parse_options options;
  options.max_depth = max_depth;
  boost::json::basic_parser<Counting> parser(options, Counting{max_values});
  error_code ec;
  parser.write_some(false, text.data(), text.size(), ec);
  return !parser.handler().over;
}

}  // namespace runbox::api
