// The order-fulfilment saga on the PostgreSQL stores, end to end through the order service, and
// a restart half-way (a fresh manager on the same database, its checkpoint lost) that still ends
// with every effect recorded once. Deadlines and recovery after a stop are in
// pg_saga_deadline_test.cpp (the same suite).
#include "pg_saga_manager_support.hpp"

using namespace saga_test;

BOOST_AUTO_TEST_SUITE(pg_saga_manager)

BOOST_AUTO_TEST_CASE(orders_are_fulfilled_declined_and_compensated_end_to_end) {
  pg_store_harness h(default_pool_params(8));
  h.run([&]() -> asio::awaitable<void> {
    process p(h, fast(5ms));
    const auto paid = new_order_id(), declined = new_order_id(), missing = new_order_id();
    const std::vector<std::string> stocked{"LAPTOP-001", "MOUSE-001"}, dear{"TV-001", "TV-002"}, out{"OOS-1"};
    co_await submit(p, paid, stocked, 50000);
    co_await submit(p, declined, dear, 600000);
    co_await submit(p, missing, out, 1000);

    co_await wait_for_count(h.store(), "Order-" + paid, "OrderShipped", 1);
    ecommerce::complete_order complete;
    complete.order_id = paid;
    co_await send(p, std::move(complete));
    co_await wait_for(h, ecommerce::fulfilment_saga_id(paid), saga_status::completed);
    co_await wait_for(h, ecommerce::fulfilment_saga_id(declined), saga_status::compensated);
    co_await wait_for(h, ecommerce::fulfilment_saga_id(missing), saga_status::compensated);

    const auto n1 = co_await count_of(h.store(), "Payment-" + paid, "PaymentProcessed");
    BOOST_TEST(n1 == 1u);
    const auto n2 = co_await count_of(h.store(), "Inventory-" + paid, "InventoryReserved");
    BOOST_TEST(n2 == 1u);
    const auto n3 = co_await count_of(h.store(), "Payment-" + declined, "PaymentDeclined");
    BOOST_TEST(n3 == 1u);
    const auto n4 = co_await count_of(h.store(), "Order-" + declined, "OrderCancelled");
    BOOST_TEST(n4 == 1u);
    const auto n5 = co_await count_of(h.store(), "Payment-" + missing, "PaymentRefunded");
    BOOST_TEST(n5 == 1u);
    const auto n6 = co_await count_of(h.store(), "Order-" + missing, "OrderCancelled");
    BOOST_TEST(n6 == 1u);
    auto s = co_await saga(h, ecommerce::fulfilment_saga_id(paid));
    BOOST_TEST(s->version >= 4u);  // a save per handled event at least
    BOOST_TEST(s->correlation_id == paid);

    auto [ec, counts] = co_await p.fulfilment.manager().async_count_by_status("OrderFulfillment", tuple_awaitable);
    BOOST_TEST(!ec);
    BOOST_TEST(counts.by_status[saga_status::compensated] >= 2u);
    co_await p.stop();
  });
}

BOOST_AUTO_TEST_CASE(a_restart_half_way_ends_with_every_effect_once) {
  pg_store_harness h(default_pool_params(8));
  h.run([&]() -> asio::awaitable<void> {
    const auto id = new_order_id();
    const auto saga_id = ecommerce::fulfilment_saga_id(id);
    {
      process first(h, fast(50ms));
      const std::vector<std::string> skus{"LAPTOP-001"};
      co_await submit(first, id, skus, 1000);
      // Stop as soon as the payment has answered: the saga may or may not have seen it.
      co_await wait_for_count(h.store(), "Payment-" + id, "PaymentProcessed", 1);
      co_await first.stop();
    }
    // As if the checkpoint had never been saved: the fresh process reads the whole log again.
    mp::checkpoint lost;
    lost.projection = "saga:OrderFulfillment";
    auto [reset_ec] = co_await h.checkpoints().async_save(std::move(lost), tuple_awaitable);
    BOOST_REQUIRE(!reset_ec);
    {
      process second(h, fast(5ms));
      co_await wait_for_count(h.store(), "Order-" + id, "OrderShipped", 1);
      ecommerce::complete_order complete;
      complete.order_id = id;
      co_await send(second, std::move(complete));
      co_await wait_for(h, saga_id, saga_status::completed);
      co_await second.stop();
    }
    const auto n7 = co_await count_of(h.store(), "Payment-" + id, "PaymentProcessed");
    BOOST_TEST(n7 == 1u);
    const auto n8 = co_await count_of(h.store(), "Payment-" + id, "PaymentRefunded");
    BOOST_TEST(n8 == 0u);
    const auto n9 = co_await count_of(h.store(), "Inventory-" + id, "InventoryReserved");
    BOOST_TEST(n9 == 1u);
    const auto n10 = co_await count_of(h.store(), "Order-" + id, "OrderShipped");
    BOOST_TEST(n10 == 1u);
    const auto n11 = co_await count_of(h.store(), "Order-" + id, "OrderCompleted");
    BOOST_TEST(n11 == 1u);
    const auto n12 = co_await count_of(h.store(), "Order-" + id, "OrderCancelled");
    BOOST_TEST(n12 == 0u);
  });
}

// Many orders at once: sagas of one batch run concurrently (more of them than pooled connections),
// and every order still gets each effect exactly once.
BOOST_AUTO_TEST_CASE(many_orders_at_once_each_get_every_effect_once) {
  pg_store_harness h(default_pool_params(4));
  h.run([&]() -> asio::awaitable<void> {
    process p(h, fast(5ms));
    std::vector<std::string> ids;
    for (int i = 0; i < 24; ++i) {
      ids.push_back(new_order_id());
      std::vector<std::string> skus{"LAPTOP-001"};
      if (i % 3 == 1) skus.push_back("OOS-" + std::to_string(i));
      co_await submit(p, ids.back(), skus, 1000);
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const auto status = i % 3 == 1 ? saga_status::compensated : saga_status::running;
      if (status == saga_status::running) co_await wait_for_count(h.store(), "Order-" + ids[i], "OrderShipped", 1);
      co_await wait_for(h, ecommerce::fulfilment_saga_id(ids[i]), status);
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const bool out_of_stock = i % 3 == 1;
      const auto paid = co_await count_of(h.store(), "Payment-" + ids[i], "PaymentProcessed");
      const auto refunded = co_await count_of(h.store(), "Payment-" + ids[i], "PaymentRefunded");
      const auto shipped = co_await count_of(h.store(), "Order-" + ids[i], "OrderShipped");
      const auto cancelled = co_await count_of(h.store(), "Order-" + ids[i], "OrderCancelled");
      BOOST_TEST(paid == 1u);
      BOOST_TEST(refunded == (out_of_stock ? 1u : 0u));
      BOOST_TEST(shipped == (out_of_stock ? 0u : 1u));
      BOOST_TEST(cancelled == (out_of_stock ? 1u : 0u));
    }
    co_await p.stop();
  });
}

// The payment deadline survives a restart: the first process stops while the payment is pending
// (its answer is lost with it); the second fires the deadline once and compensates.
BOOST_AUTO_TEST_SUITE_END()
