#pragma once
// Turns a notification listener's deliveries into wake-ups of the log readers of a process
// (projection runners, saga managers): one listener connection for all of them.

#include <mink/persistence/notification_listener.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <functional>
#include <vector>

namespace mink::persistence {

void start_forward_wakeups(notification_listener& listener, std::vector<std::function<void()>> wakes,
                           boost::asio::any_completion_handler<void(boost::system::error_code)> handler);

/// Receives from `listener` until it is cancelled and calls every function of `wakes` for each
/// delivery, a NOTIFY or a resync alike: a notification only says "there may be something new",
/// and a resync says "you may have missed something", and either way a reader catches up from
/// its own checkpoint. The wake functions must be cheap and must not block (they should only
/// schedule work, as projection_runner::wake and saga_manager::wake do); they are called on the
/// listener's strand.
///
/// Completion: void(error_code): success once the listener is cancelled (its receive fails with
/// operation_aborted); any other receive error as it came. Cancellation: cancel the listener.
/// Lifetime: `listener` must outlive the operation; `wakes` is moved in.
template <class CompletionToken>
auto async_forward_wakeups(notification_listener& listener, std::vector<std::function<void()>> wakes,
                           CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
      [&listener](auto handler, std::vector<std::function<void()>> w) {
        start_forward_wakeups(listener, std::move(w), std::move(handler));
      },
      token, std::move(wakes));
}

}  // namespace mink::persistence
