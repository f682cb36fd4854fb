#include "server/core_await.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>

namespace runbox::server {

namespace asio = boost::asio;

// (Callables are named locals, not temporaries in the co_await expression: GCC 12 mis-destroys
// those.)
asio::awaitable<std::optional<service::RunOutcome>> execute_on_slot(service::RunService& core,
                                                                    std::shared_ptr<const service::RunPlan> plan,
                                                                    int cancel_fd) {
  using Outcome = std::optional<service::RunOutcome>;
  auto exec = co_await asio::this_coro::executor;
  auto initiation = [&core, plan = std::move(plan), cancel_fd, exec](auto handler) mutable {
    auto h = std::make_shared<decltype(handler)>(std::move(handler));
    std::function<void(service::RunOutcome)> done = [h, exec](service::RunOutcome o) {
      asio::post(exec, [h, o = std::move(o)]() mutable { (*h)(Outcome(std::move(o))); });
    };
    if (!core.execute(std::move(plan), cancel_fd, std::move(done))) asio::post(exec, [h]() mutable { (*h)(Outcome{}); });
  };
  Outcome result = co_await asio::async_initiate<decltype(asio::use_awaitable), void(Outcome)>(std::move(initiation),
                                                                                               asio::use_awaitable);
  co_return result;
}

}  // namespace runbox::server
