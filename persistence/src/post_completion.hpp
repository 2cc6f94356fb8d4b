#pragma once
// Completing a handler from outside its initiating call.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/execution/blocking.hpp>
#include <boost/asio/prefer.hpp>

#include <utility>

namespace mink::persistence::detail {

/// Queues `handler(args...)` on `ex` and runs it on the handler's associated executor (default:
/// ex). Used wherever an operation finishes at once, so that it never completes inline.
template <class Handler, class... Args>
void post_completion(const boost::asio::any_io_executor& ex, Handler handler, Args... args) {
  // Submitted straight to the handler's executor (never blocking, so never inline): no hop through
  // `ex` when the handler runs elsewhere.
  auto handler_ex = boost::asio::prefer(boost::asio::get_associated_executor(handler, ex),
                                        boost::asio::execution::blocking.never);
  handler_ex.execute([h = std::move(handler), ... a = std::move(args)]() mutable { std::move(h)(std::move(a)...); });
}

}  // namespace mink::persistence::detail
