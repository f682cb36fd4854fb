#pragma once
// The service core's execute as a coroutine step: the run goes to a slot and the awaiting
// coroutine resumes on its own executor when it is done; no I/O thread ever blocks on a sandbox.
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>

#include "service/run_service.hpp"

namespace runbox::server {

// nullopt when all slots are busy and the queue is full (answer RunService::overloaded()).
boost::asio::awaitable<std::optional<service::RunOutcome>> execute_on_slot(service::RunService& core,
                                                                           std::shared_ptr<const service::RunPlan> plan,
                                                                           int cancel_fd);

}  // namespace runbox::server
