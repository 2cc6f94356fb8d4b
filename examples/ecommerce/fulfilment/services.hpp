#pragma once
// Simulated payment, inventory and shipping services. Each records its outcomes as events in a
// stream of its own, appended with event ids derived from the caller's ids (saga id, step): asking
// twice records once, so tests can count effects.
//
//   Payment-<order id>    PaymentRequested {"order_id", "amount_cents", "request_id"},
//                         PaymentProcessed, PaymentDeclined, PaymentRefunded
//                         {"order_id", "amount_cents"[, "reason"]}
//   Inventory-<order id>  InventoryReserved {"order_id", "skus"}, InventoryReservationFailed
//                         {"order_id", "skus" (those out of stock)}, InventoryReleased {"order_id"}

#include <ecommerce/domain/money.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mink::persistence {
class event_store;
class checkpoint_store;
}  // namespace mink::persistence

namespace ecommerce {

inline constexpr std::string_view payment_requested = "PaymentRequested";
inline constexpr std::string_view payment_processed = "PaymentProcessed";
inline constexpr std::string_view payment_declined = "PaymentDeclined";
inline constexpr std::string_view payment_refunded = "PaymentRefunded";
inline constexpr std::string_view inventory_reserved = "InventoryReserved";
inline constexpr std::string_view inventory_reservation_failed = "InventoryReservationFailed";
inline constexpr std::string_view inventory_released = "InventoryReleased";

std::string payment_stream(std::string_view order_id);    ///< "Payment-<order id>"
std::string inventory_stream(std::string_view order_id);  ///< "Inventory-<order id>"

/// The payment gateway's checkpoint in the checkpoint store: the requests before it are answered.
inline constexpr std::string_view payment_gateway_checkpoint = "payment-gateway";

/// The id of the PaymentRequested event of request `request_id`: derived_uuid(request_id + "/requested").
std::string payment_requested_event_id(std::string_view request_id);
/// The id of its answer (PaymentProcessed or PaymentDeclined): derived_uuid(request_id + "/answer").
std::string payment_answer_event_id(std::string_view request_id);

struct payment_params {
  /// How long the gateway takes to answer a request, counted from when it reads it from the log.
  std::chrono::milliseconds latency{50};
  /// Payments above this amount are declined (10,000.00).
  money limit = money::from_cents(1'000'000);
  /// How often the gateway reads the log for requests when nothing wakes it.
  std::chrono::milliseconds poll_interval{1000};
  /// The wait after a store error before the gateway tries again.
  std::chrono::milliseconds retry_delay{1000};
  /// Requests read from the log at a time.
  std::size_t batch_size = 256;
};

/// A simulated payment gateway that behaves like an external one: a request it has accepted
/// survives a crash of the caller (and of the gateway) and is answered once.
///
/// request() records PaymentRequested durably and returns. async_run() reads the PaymentRequested
/// events of the log from its checkpoint (payment_gateway_checkpoint) and answers each one whose
/// answer is not in its payment stream yet, `latency` after reading it, by appending
/// PaymentProcessed, or PaymentDeclined above the limit, with payment_answer_event_id: answering
/// twice (two gateways, or again after a crash) records once. The checkpoint moves past a request
/// only once its answer is recorded, so a restarted gateway finds every request still unanswered.
/// The stores must outlive the service and async_run's completion. Thread-safe.
class payment_service {
 public:
  payment_service(boost::asio::any_io_executor ex, mink::persistence::event_store& events,
                  mink::persistence::checkpoint_store& checkpoints, payment_params params);
  ~payment_service();
  payment_service(const payment_service&) = delete;
  payment_service& operator=(const payment_service&) = delete;

  /// Asks for `amount`: appends PaymentRequested {"order_id", "amount_cents", "request_id"} to
  /// Payment-<order id> with id payment_requested_event_id(request_id) and correlation id
  /// `order_id`, then wakes the gateway. A second request with the same id is a replay (success,
  /// nothing recorded). Completes with the append's error: nothing was requested unless it is
  /// success (or the outcome is unknown and asking again settles it). Does not need async_run:
  /// the request waits in the log for a running gateway.
  boost::asio::awaitable<boost::system::error_code> request(std::string order_id, money amount,
                                                            std::string request_id);
  /// Appends PaymentRefunded with id `event_id` now. Completes with the append's error.
  boost::asio::awaitable<boost::system::error_code> refund(std::string order_id, money amount, std::string event_id);

  /// Answers requests until cancel(). Completion: void(error_code), success after cancel();
  /// errc::operation_in_progress when run twice. Store errors are retried after retry_delay, not
  /// reported; an answer that fails with a permanent error is logged and skipped. Cancellation:
  /// cancel() only. Completes on the handler's executor (default: the service's), never inline.
  template <class CompletionToken>
  auto async_run(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code)>(
        [this](auto handler) { run(std::move(handler)); }, token);
  }
  /// Stops async_run; the answers it had not given yet stay due in the log for the next run (as
  /// after a crash). Thread-safe, idempotent.
  void cancel();
  /// Reads the log again now (call on every event notification). Thread-safe, coalesced.
  void wake();
  /// Requests read by the running gateway and not answered yet.
  std::size_t pending() const;

 private:
  void run(boost::asio::any_completion_handler<void(boost::system::error_code)> handler);

  struct core;
  std::shared_ptr<core> core_;
};

/// Reserves stock at once: everything but SKUs starting with "OOS-" is in stock.
class inventory_service {
 public:
  explicit inventory_service(mink::persistence::event_store& events) : events_(events) {}

  /// Appends InventoryReserved, or InventoryReservationFailed naming the SKUs out of stock.
  boost::asio::awaitable<boost::system::error_code> reserve(std::string order_id, std::vector<std::string> skus,
                                                            std::string event_id);
  /// Appends InventoryReleased.
  boost::asio::awaitable<boost::system::error_code> release(std::string order_id, std::string event_id);

 private:
  mink::persistence::event_store& events_;
};

/// The shipping service: the tracking number of an order (tracking_number_for: stable).
std::string tracking_number_from_carrier(std::string_view order_id);

}  // namespace ecommerce
