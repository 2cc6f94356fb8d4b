#pragma once
// The order's rules: a pure mink::decider (no I/O, no clock unless a command leaves requested_at
// unset).
//
//   CreateOrder   only when the order does not exist            order already exists
//   AddItem       only while Created                            order not created /
//                                                               cannot add items: order already submitted
//   SubmitOrder   only Created, with at least one item          can only submit created orders /
//                 (total = sum of quantity x price, in cents)   cannot submit empty order
//   ShipOrder     only Submitted; an empty tracking number      can only ship submitted orders
//                 gets a generated one (tracking_number_for)
//   CompleteOrder only Shipped                                  can only complete shipped orders
//   CancelOrder   unless Shipped, Completed or Cancelled        cannot cancel shipped order /
//                                                               cannot cancel completed order /
//                                                               order already cancelled
// Every command but CreateOrder on an order that does not exist: order not created.
// Events are stamped with the command's requested_at (the system clock when unset).

#include <ecommerce/domain/commands.hpp>
#include <ecommerce/domain/events.hpp>
#include <ecommerce/domain/order_errc.hpp>
#include <ecommerce/domain/order_state.hpp>

#include <mink/messaging/decider.hpp>

#include <string>
#include <string_view>

namespace ecommerce {

struct order {
  static constexpr std::string_view category = "Order";
  using state_type = order_state;
  using event_type = order_event;

  static order_state evolve(order_state s, const order_event& e);

  static mink::decision<order_event> decide(const order_state& s, const create_order& c);
  static mink::decision<order_event> decide(const order_state& s, const add_item& c);
  static mink::decision<order_event> decide(const order_state& s, const submit_order& c);
  static mink::decision<order_event> decide(const order_state& s, const ship_order& c);
  static mink::decision<order_event> decide(const order_state& s, const complete_order& c);
  static mink::decision<order_event> decide(const order_state& s, const cancel_order& c);
};

/// The tracking number of an order shipped without one: "TRK-" and 12 upper-case hex digits of
/// a hash of the order id. Always the same for the same order id.
std::string tracking_number_for(std::string_view order_id);

static_assert(mink::decider<order>);
static_assert(mink::decides<order, create_order> && mink::decides<order, add_item> &&
              mink::decides<order, submit_order> && mink::decides<order, ship_order> &&
              mink::decides<order, complete_order> && mink::decides<order, cancel_order>);

}  // namespace ecommerce
