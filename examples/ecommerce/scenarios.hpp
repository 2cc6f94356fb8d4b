#pragma once
// The scenarios mink-ecommerce walks through. Each prints what it does and checks what it should
// see; it answers the number of failed checks.

#include <ecommerce/app/order_system.hpp>

#include <mink/persistence/event_store.hpp>

#include <boost/asio/awaitable.hpp>

namespace ecommerce {

struct scenario_context {
  order_system& system;  ///< In automatic fulfilment mode.
  mink::persistence::event_store& events;
};

/// Scenario 1, happy path: create, add three items, submit; the fulfilment saga pays, reserves
/// and ships; complete; print the state rebuilt from the event store (Completed, 3 items,
/// $1549.96, version 7) and the read model's line (Items: 4 | Total: $1549.96 | Status: Completed).
boost::asio::awaitable<int> happy_path(scenario_context ctx);
/// Scenario 2, saga persistence: follow one order's saga through Payment -> Inventory -> Ship,
/// reload it through a fresh saga store and print it; find it by correlation id; counts per status.
boost::asio::awaitable<int> saga_persistence(scenario_context ctx, mink::persistence::connection_pool& pool);
/// Scenario 3, idempotency: the same CreateOrder twice with one command id is executed once.
boost::asio::awaitable<int> idempotent_create(scenario_context ctx);
/// Scenario 4, optimistic concurrency: two copies of one order saved one after the other through
/// the repository: the second conflicts; after a fresh load it saves at version 3.
boost::asio::awaitable<int> optimistic_concurrency(scenario_context ctx);

}  // namespace ecommerce
