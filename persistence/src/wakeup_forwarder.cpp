#include <mink/persistence/wakeup_forwarder.hpp>

#include <mink/persistence/detail/spawn_op.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mink::persistence {

namespace asio = boost::asio;
using boost::system::error_code;

void start_forward_wakeups(notification_listener& listener, std::vector<std::function<void()>> wakes,
                           asio::any_completion_handler<void(error_code)> handler) {
  auto forward = [&listener, wakes = std::move(wakes)]() -> asio::awaitable<std::tuple<error_code>> {
    for (;;) {
      auto [ec, n] = co_await listener.async_receive(asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted) co_return std::tuple{error_code{}};
      if (ec) co_return std::tuple{ec};
      for (const auto& wake : wakes) wake();
    }
  };
  detail::spawn_op(listener.get_executor(), std::move(forward), std::move(handler));
}

}  // namespace mink::persistence
