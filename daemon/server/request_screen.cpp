#include "server/request_screen.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/string.hpp>
#include <cctype>

namespace runbox::server {

bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed) {
  for (const auto& a : allowed)
    if (boost::beast::iequals(origin, a)) return true;
  return false;
}

bool same_origin(std::string_view origin, std::string_view host) {
  if (host.empty()) return false;
  for (std::string_view scheme : {"http://", "https://"})
    if (origin.size() == scheme.size() + host.size() && boost::beast::iequals(origin.substr(0, scheme.size()), scheme) &&
        boost::beast::iequals(origin.substr(scheme.size()), host))
      return true;
  return false;
}

bool host_allowed(std::string_view host, const std::vector<std::string>& allowed) {
  std::string name;
  if (!host.empty() && host.front() == '[') {  // [v6] or [v6]:port
    auto close = host.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view rest = host.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    boost::system::error_code ec;
    boost::asio::ip::make_address_v6(std::string(host.substr(1, close - 1)), ec);
    return !ec;
  }
  auto colon = host.rfind(':');
  std::string_view bare = colon == std::string_view::npos ? host : host.substr(0, colon);
  if (colon != std::string_view::npos) {
    std::string_view port = host.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    for (char c : port)
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  if (bare.empty()) return false;
  for (char c : bare) name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!name.empty() && name.back() == '.') name.pop_back();  // "localhost." is localhost too
  if (name == "localhost") return true;
  boost::system::error_code ec;
  boost::asio::ip::make_address_v4(name, ec);
  if (!ec) return true;
  for (const auto& a : allowed)
    if (name == a) return true;
  return false;
}

}  // namespace runbox::server
