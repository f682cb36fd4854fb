#pragma once
// Judge0's callback_url: the finished submission PUT there as JSON, tried up to three times
// (a second apart) until the receiver answers 2xx, each try bounded by a timeout. Fire and
// forget: a failed callback is logged, the submission stays in the store for GET.
#include <boost/asio/any_io_executor.hpp>
#include <string>

#include "judge0/judge0_request.hpp"

namespace runbox::judge0 {

void send_callback(boost::asio::any_io_executor exec, HttpUrl url, std::string token, std::string body);

}  // namespace runbox::judge0
