#pragma once
// Simulated payment, inventory and shipping services. Each records its outcomes as events in a
// stream of its own, appended with event ids the caller derives (saga id, step): asking twice
// records once, so tests can count effects.
//
//   Payment-<order id>    PaymentProcessed, PaymentDeclined, PaymentRefunded
//                         {"order_id", "amount_cents"[, "reason"]}
//   Inventory-<order id>  InventoryReserved {"order_id", "skus"}, InventoryReservationFailed
//                         {"order_id", "skus" (those out of stock)}, InventoryReleased {"order_id"}

#include <ecommerce/domain/money.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mink::persistence {
class event_store;
}

namespace ecommerce {

inline constexpr std::string_view payment_processed = "PaymentProcessed";
inline constexpr std::string_view payment_declined = "PaymentDeclined";
inline constexpr std::string_view payment_refunded = "PaymentRefunded";
inline constexpr std::string_view inventory_reserved = "InventoryReserved";
inline constexpr std::string_view inventory_reservation_failed = "InventoryReservationFailed";
inline constexpr std::string_view inventory_released = "InventoryReleased";

std::string payment_stream(std::string_view order_id);    ///< "Payment-<order id>"
std::string inventory_stream(std::string_view order_id);  ///< "Inventory-<order id>"

struct payment_params {
  /// How long the service takes to answer a payment request.
  std::chrono::milliseconds latency{50};
  /// Payments above this amount are declined (10,000.00).
  money limit = money::from_cents(1'000'000);
};

/// Answers payment requests after `latency`, on its own: a request returns at once, the answer
/// arrives in the log. cancel() drops the answers not given yet (as a crash would). Thread-safe.
/// The event store must outlive the service and every answer it has pending.
class payment_service {
 public:
  payment_service(boost::asio::any_io_executor ex, mink::persistence::event_store& events, payment_params params);
  ~payment_service();
  payment_service(const payment_service&) = delete;
  payment_service& operator=(const payment_service&) = delete;

  /// Asks for `amount`; after the latency appends PaymentProcessed, or PaymentDeclined (above the
  /// limit), with id `event_id` and correlation id `order_id`. A failed append is not retried (the
  /// saga's deadline covers a payment that never answers).
  void request(std::string order_id, money amount, std::string event_id);
  /// Appends PaymentRefunded with id `event_id` now. Completes with the append's error.
  boost::asio::awaitable<boost::system::error_code> refund(std::string order_id, money amount, std::string event_id);
  /// Drops pending answers; later requests are dropped too.
  void cancel();
  /// Requests accepted and not answered (or dropped) yet.
  std::size_t pending() const;

 private:
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
