#pragma once
// Completing a handler from outside its initiating call.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

#include <utility>

namespace mink::persistence::detail {

/// Queues `handler(args...)` on `ex` and runs it on the handler's associated executor (default:
/// ex). Used wherever an operation finishes at once, so that it never completes inline.
template <class Handler, class... Args>
void post_completion(const boost::asio::any_io_executor& ex, Handler handler, Args... args) {
  // Queued on `ex` first: the handler's own executor, when it is an io_context's called from one of
  // its threads, would otherwise run it at once, inside the initiating call.
  auto handler_ex = boost::asio::get_associated_executor(handler, ex);
  boost::asio::post(ex, boost::asio::bind_executor(handler_ex, [h = std::move(handler), ... a = std::move(args)]() mutable {
                      std::move(h)(std::move(a)...);
                    }));
}

}  // namespace mink::persistence::detail
