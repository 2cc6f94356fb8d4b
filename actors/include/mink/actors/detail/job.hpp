#pragma once
// A message in an actor's mailbox: the caller's work and its handler, with their types erased.

#include <mink/messaging/errc.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/error_code.hpp>

#include <functional>
#include <utility>

namespace mink::actors::detail {

/// Owned by the registry from submission until it is completed. `next` links the mailbox.
class job {
 public:
  job() = default;
  job(const job&) = delete;
  job& operator=(const job&) = delete;
  virtual ~job() = default;

  /// Runs the work on `actor` (the user's state object); may throw.
  virtual boost::asio::awaitable<void> run(void* actor) = 0;

  /// Queues the handler on `ex`, to run on its associated executor (default: ex), with `ec` and the
  /// result (a default-constructed one when the work did not finish). Call once.
  virtual void complete(const boost::asio::any_io_executor& ex, boost::system::error_code ec) = 0;

  job* next = nullptr;
};

template <class Actor, class R, class Work>
class ask_job final : public job {
 public:
  using handler_type = boost::asio::any_completion_handler<void(boost::system::error_code, R)>;

  ask_job(Work work, handler_type handler) : work_(std::move(work)), handler_(std::move(handler)) {}

  boost::asio::awaitable<void> run(void* actor) override {
    // The work object lives in this job until the message completes, so a coroutine lambda's
    // captures stay valid across its suspensions.
    result_ = co_await std::invoke(work_, *static_cast<Actor*>(actor));
  }

  void complete(const boost::asio::any_io_executor& ex, boost::system::error_code ec) override {
    auto handler_ex = boost::asio::get_associated_executor(handler_, ex);
    // Queued on `ex` first, so that it never runs inside the call that completes it.
    boost::asio::post(ex, boost::asio::bind_executor(handler_ex, [h = std::move(handler_), ec,
                                                                  r = std::move(result_)]() mutable {
                        std::move(h)(ec, std::move(r));
                      }));
  }

 private:
  Work work_;
  handler_type handler_;
  R result_{};
};

}  // namespace mink::actors::detail
