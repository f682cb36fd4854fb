#include "service/admission.hpp"

namespace runbox::service {

Refusal Admission::unauthorized(bool presented) {
  return {401, "unauthorized",
          presented ? "the API key is not valid"
                    : "an API key is required: \"Authorization: Bearer <key>\" or \"X-API-Key: <key>\""};
}

bool Admission::key_valid(const Generation& g, std::string_view authorization, std::string_view x_api_key,
                          bool* presented) const {
  auto key_text = auth::presented_key(authorization, x_api_key);
  *presented = key_text.has_value();
  return !g.keys || (key_text && g.keys->find(*key_text));
}

std::optional<Refusal> Admission::admit(const Generation& g, std::string_view authorization,
                                        std::string_view x_api_key, Caller& caller) {
  caller = Caller{};
  if (!g.keys) return std::nullopt;
  auto key_text = auth::presented_key(authorization, x_api_key);
  const auth::ApiKey* key = key_text ? g.keys->find(*key_text) : nullptr;
  if (!key) return unauthorized(key_text.has_value());
  caller.key = key->name;
  caller.tier = g.tiers.count(key->tier) ? key->tier : "default";  // "admin" without its own policy
  caller.admin = key->admin;
  if (auto retry = limiter_.take(key->name, key->rate, key->burst)) {
    metrics_.count_rate_limited(key->name);
    Refusal r{429, "rate_limited",
              "key \"" + key->name + "\" is over its rate of " + std::to_string(key->rate).substr(0, 6) +
                  " requests/s (burst " + std::to_string(static_cast<long>(key->burst)) + "); retry later"};
    r.retry_after_s = *retry;
    return r;
  }
  return std::nullopt;
}

}  // namespace runbox::service
