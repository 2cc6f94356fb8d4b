#pragma once
// The order side of the e-commerce system: the command bus with the standard pipeline, and the
// order aggregates as actors, on whichever stores the application gives it.

#include <ecommerce/domain/order.hpp>

#include <mink/actors/aggregate_router.hpp>
#include <mink/actors/standard_pipeline.hpp>
#include <mink/messaging/command_bus.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <memory>

namespace mink::persistence {
class event_store;
class snapshot_store;
class idempotency_store;
}  // namespace mink::persistence

namespace ecommerce {

struct order_service_params {
  mink::actors::registry_params actors;
  mink::actors::aggregate_params aggregate = default_aggregate();
  mink::actors::pipeline_params pipeline;

  /// A snapshot every 50 events, three conflict retries.
  static mink::actors::aggregate_params default_aggregate();
};

/// Owns the bus and the order actors. The stores must outlive it; shut it down (async_shutdown)
/// and let that complete before destroying it.
class order_service {
 public:
  order_service(boost::asio::any_io_executor ex, mink::persistence::event_store& events,
                mink::persistence::snapshot_store* snapshots, mink::persistence::idempotency_store& idempotency,
                order_service_params params = {});
  ~order_service();

  /// Where commands go: CreateOrder, AddItem, SubmitOrder, ShipOrder, CompleteOrder, CancelOrder.
  mink::command_bus& bus() noexcept { return bus_; }
  mink::actors::aggregate_router<order>& orders() noexcept { return *orders_; }

  /// Stops taking commands and finishes those queued. Completion: void(error_code).
  template <class CompletionToken>
  auto async_shutdown(CompletionToken&& token) {
    return orders_->async_shutdown(std::forward<CompletionToken>(token));
  }

 private:
  mink::command_bus bus_;
  std::unique_ptr<mink::actors::aggregate_router<order>> orders_;
};

}  // namespace ecommerce
