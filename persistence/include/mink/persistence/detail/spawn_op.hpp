#pragma once
// Runs a coroutine for a public async operation and completes its type-erased handler. Visible
// (detail) for applications that write their own operations the way mink does.

#include <mink/persistence/detail/post_completion.hpp>

#include <mink/messaging/errc.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>

#include <exception>
#include <tuple>
#include <utility>

namespace mink::persistence::detail {

/// Spawns `op()` (returning awaitable<std::tuple<error_code, Values...>>) on `ex` and completes
/// `handler` with the tuple's elements. The handler runs on its associated executor (default: ex),
/// never inside the initiating call (co_spawn posts when nothing suspended). The handler's
/// cancellation slot reaches the coroutine, so a terminal cancellation aborts its waits.
/// An escaping exception is a defect: the handler gets errc::internal_error.
template <class Executor, class Op, class... Values>
void spawn_op(const Executor& ex, Op op,
              boost::asio::any_completion_handler<void(boost::system::error_code, Values...)> handler) {
  auto slot = boost::asio::get_associated_cancellation_slot(handler);
  auto handler_ex = boost::asio::get_associated_executor(handler, ex);
  boost::asio::co_spawn(
      ex, std::move(op),
      boost::asio::bind_cancellation_slot(
          slot, boost::asio::bind_executor(
                    handler_ex, [h = std::move(handler)](std::exception_ptr ep,
                                                         std::tuple<boost::system::error_code, Values...> r) mutable {
                      if (ep) std::get<0>(r) = errc::internal_error;
                      std::apply(std::move(h), std::move(r));
                    })));
}

/// spawn_op for an operation whose arguments were checked first: when `invalid` holds an error,
/// nothing is spawned and `handler` gets that error with default-constructed values (still
/// through `ex`, never inline).
template <class Executor, class Op, class... Values>
void spawn_checked_op(const Executor& ex, boost::system::error_code invalid, Op op,
                      boost::asio::any_completion_handler<void(boost::system::error_code, Values...)> handler) {
  if (invalid) {
    post_completion(ex, std::move(handler), invalid, Values{}...);
    return;
  }
  spawn_op(ex, std::move(op), std::move(handler));
}

}  // namespace mink::persistence::detail
