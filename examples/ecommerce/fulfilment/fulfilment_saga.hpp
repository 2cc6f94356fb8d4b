#pragma once
// The order-fulfilment saga: started by OrderSubmitted, correlated by order id, saga id
// "OrderFulfillment-<order id>".
//
//   AcceptOrder       completes at once             compensation: CancelOrder with the saga's
//                                                   cancel reason ("payment declined", ...)
//   ProcessPayment    asks the payment service and  compensation: RefundPayment (PaymentRefunded)
//                     waits for PaymentProcessed;
//                     PaymentDeclined or the payment deadline fails it
//   ReserveInventory  reads the order's items,      compensation: InventoryReleased
//                     asks the inventory service and waits for its answer
//   ShipOrder         dispatches ShipOrder with the carrier's tracking number; the saga then
//                     completes on OrderCompleted
//
// A declined (or unanswered) payment cancels the order: "payment declined" ("payment timed
// out"). Stock missing refunds the payment and cancels the order: "out of stock". Both end
// compensated. Every effect has an id derived from (saga id, step): a repeat is a no-op.

#include <ecommerce/fulfilment/services.hpp>

#include <mink/actors/saga.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace mink::persistence {
class event_store;
}

namespace ecommerce {

inline constexpr std::string_view fulfilment_saga_type = "OrderFulfillment";
inline constexpr std::string_view accept_order_step = "AcceptOrder";
inline constexpr std::string_view process_payment_step = "ProcessPayment";
inline constexpr std::string_view reserve_inventory_step = "ReserveInventory";
inline constexpr std::string_view ship_order_step = "ShipOrder";

/// "OrderFulfillment-<order id>".
std::string fulfilment_saga_id(std::string_view order_id);

/// What the saga's steps use. Everything must outlive the saga manager the definition is added to.
struct fulfilment_saga_services {
  mink::persistence::event_store* events = nullptr;  ///< To read the order's items.
  payment_service* payments = nullptr;
  inventory_service* inventory = nullptr;
  /// A payment not answered within this fails the payment step.
  std::chrono::milliseconds payment_deadline{30000};
};

/// The saga definition, ready for saga_manager::add.
mink::actors::saga_definition make_fulfilment_saga(fulfilment_saga_services services);

}  // namespace ecommerce
