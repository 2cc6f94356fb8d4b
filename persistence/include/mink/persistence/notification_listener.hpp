#pragma once
// A dedicated connection that LISTENs for PostgreSQL notifications and survives reconnects.

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mink::persistence {

struct listener_params {
  std::string connection_string;
  std::vector<std::string> channels;  ///< Channel names, LISTENed to verbatim (quoted identifiers).
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds reconnect_backoff_initial{50};
  std::chrono::milliseconds reconnect_backoff_max{2'000};
  /// Undelivered notifications kept at most; beyond, they are dropped and a resync is delivered.
  std::size_t max_queued = 10'000;
};

/// What async_receive delivers.
struct notification {
  enum class kind {
    message,  ///< A NOTIFY on one of the channels.
    resync,   ///< Now listening after a (re)connect or an overflow: notifications may have been
              ///< missed, so catch up from your own checkpoint.
  };
  kind what = kind::message;
  std::string channel;
  std::string payload;
  int backend_pid = 0;  ///< The notifying server process.
};

/// NOTIFY is only a wake-up: PostgreSQL does not keep notifications for a client that is not
/// connected. This listener therefore says so (kind::resync) every time it starts listening,
/// the first time included, and consumers catch up from their checkpoint on each resync.
///
/// Thread safety: member functions may be called from any thread. Lifetime: the object may be
/// destroyed with operations pending; they complete with asio::error::operation_aborted.
class notification_listener {
 public:
  using executor_type = boost::asio::any_io_executor;

  notification_listener(executor_type ex, listener_params params);
  ~notification_listener();
  notification_listener(const notification_listener&) = delete;
  notification_listener& operator=(const notification_listener&) = delete;

  /// Connects, LISTENs, reads notifications and reconnects (with backoff) until cancel().
  /// Completion: void(error_code): success after cancel(); client_errc::invalid_connection_string.
  template <class CompletionToken>
  auto async_run(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler) { start_run(std::move(handler)); }, token);
  }

  /// The next notification, waiting for one if none is queued. One receive at a time (a second
  /// concurrent one fails with errc::operation_in_progress). Completion:
  /// void(error_code, notification); asio::error::operation_aborted after cancel().
  template <class CompletionToken>
  auto async_receive(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, notification)>(
        [this](auto handler) { start_receive(std::move(handler)); }, token);
  }

  /// The strand the listener's work and completions run on (unless a handler has its own executor).
  executor_type get_executor() const noexcept;

  /// Stops async_run and fails a pending receive. Idempotent.
  void cancel();

  /// Times the listener has (re)started listening, the first time included.
  std::uint64_t listen_count() const noexcept;
  /// The backend serving the current connection (0 when disconnected): for tests and diagnostics.
  int backend_pid() const noexcept;

  struct core;

 private:
  void start_run(boost::asio::any_completion_handler<void(boost::system::error_code)> handler);
  void start_receive(boost::asio::any_completion_handler<void(boost::system::error_code, notification)> handler);

  std::shared_ptr<core> core_;
};

}  // namespace mink::persistence
