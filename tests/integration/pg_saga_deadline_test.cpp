// Sagas on PostgreSQL across a stop: a payment deadline that survives a restart and fires once,
// payment requests recorded before a stop answered once by the next process, and a deadline
// claimed and handled in one transaction (suite pg_saga_manager).
#include "pg_saga_manager_support.hpp"

using namespace saga_test;

BOOST_AUTO_TEST_SUITE(pg_saga_manager)

BOOST_AUTO_TEST_CASE(a_payment_deadline_survives_a_restart_and_fires_once) {
  pg_store_harness h(default_pool_params(8));
  h.run([&]() -> asio::awaitable<void> {
    const auto id = new_order_id();
    const auto saga_id = ecommerce::fulfilment_saga_id(id);
    auto slow = fast(60s);
    slow.payment_deadline = 300ms;
    slow.manager.pool = &h.fixture.pool;
    {
      process first(h, slow);
      const std::vector<std::string> skus{"LAPTOP-001"};
      co_await submit(first, id, skus, 1000);
      co_await wait_for(h, saga_id, saga_status::running);
      co_await first.stop();  // before the deadline is due
    }
    auto s = co_await saga(h, saga_id);
    BOOST_REQUIRE(s.has_value());
    BOOST_TEST((s->status == saga_status::running));
    {
      process second(h, slow);
      co_await wait_for(h, saga_id, saga_status::compensated);
      asio::steady_timer tick(co_await asio::this_coro::executor);
      tick.expires_after(300ms);
      co_await tick.async_wait(tuple_awaitable);
      BOOST_TEST(second.fulfilment.manager().stats().deadlines_fired == 1u);
      co_await second.stop();
    }
    const auto cancelled = co_await count_of(h.store(), "Order-" + id, "OrderCancelled");
    BOOST_TEST(cancelled == 1u);
    const auto payments = co_await count_of(h.store(), "Payment-" + id, "PaymentProcessed");
    BOOST_TEST(payments == 0u);
    const auto due = co_await unfired_deadlines(h, saga_id);
    BOOST_TEST(due == 0);
    s = co_await saga(h, saga_id);
    BOOST_TEST(s->steps[1].error == "payment timed out");
  });
}

// The first process stops (as a crash would) after the gateway recorded two payment requests and
// before it answered them; the second answers each once, and the sagas go on without waiting for
// their payment deadlines.
BOOST_AUTO_TEST_CASE(payment_requests_recorded_before_a_stop_are_answered_once_by_the_next_process) {
  pg_store_harness h(default_pool_params(8));
  h.run([&]() -> asio::awaitable<void> {
    const auto paid = new_order_id(), declined = new_order_id();
    auto slow = fast(60s);
    slow.payment_deadline = 120s;  // beyond every wait of this test
    {
      process first(h, slow);
      const std::vector<std::string> stocked{"LAPTOP-001"}, dear{"TV-001", "TV-002"};
      co_await submit(first, paid, stocked, 1000);
      co_await submit(first, declined, dear, 600000);
      co_await wait_for_count(h.store(), "Payment-" + paid, "PaymentRequested", 1);
      co_await wait_for_count(h.store(), "Payment-" + declined, "PaymentRequested", 1);
      co_await first.stop();
    }
    const auto answered_before = co_await count_of(h.store(), "Payment-" + paid, "PaymentProcessed");
    BOOST_TEST(answered_before == 0u);
    const auto declined_before = co_await count_of(h.store(), "Payment-" + declined, "PaymentDeclined");
    BOOST_TEST(declined_before == 0u);
    auto quick = fast(5ms);
    quick.payment_deadline = 120s;
    {
      process second(h, quick);
      co_await wait_for_count(h.store(), "Order-" + paid, "OrderShipped", 1);
      co_await wait_for(h, ecommerce::fulfilment_saga_id(declined), saga_status::compensated);
      asio::steady_timer tick(co_await asio::this_coro::executor);
      tick.expires_after(100ms);
      co_await tick.async_wait(tuple_awaitable);
      BOOST_TEST(second.fulfilment.manager().stats().deadlines_fired == 0u);
      co_await second.stop();
    }
    const auto requested = co_await count_of(h.store(), "Payment-" + paid, "PaymentRequested");
    BOOST_TEST(requested == 1u);
    const auto processed = co_await count_of(h.store(), "Payment-" + paid, "PaymentProcessed");
    BOOST_TEST(processed == 1u);
    const auto refunded = co_await count_of(h.store(), "Payment-" + paid, "PaymentRefunded");
    BOOST_TEST(refunded == 0u);
    const auto reserved = co_await count_of(h.store(), "Inventory-" + paid, "InventoryReserved");
    BOOST_TEST(reserved == 1u);
    const auto declined_requests = co_await count_of(h.store(), "Payment-" + declined, "PaymentRequested");
    BOOST_TEST(declined_requests == 1u);
    const auto declines = co_await count_of(h.store(), "Payment-" + declined, "PaymentDeclined");
    BOOST_TEST(declines == 1u);
    const auto wrongly_paid = co_await count_of(h.store(), "Payment-" + declined, "PaymentProcessed");
    BOOST_TEST(wrongly_paid == 0u);
    const auto cancelled = co_await count_of(h.store(), "Order-" + declined, "OrderCancelled");
    BOOST_TEST(cancelled == 1u);
    auto s = co_await saga(h, ecommerce::fulfilment_saga_id(declined));
    BOOST_TEST(s->steps[1].error == "payment declined");
    // The gateway's checkpoint is in the log, past both requests (their answers are recorded).
    auto [cp_ec, cp] = co_await h.checkpoints().async_load(std::string(ecommerce::payment_gateway_checkpoint),
                                                           tuple_awaitable);
    BOOST_REQUIRE(!cp_ec);
    BOOST_REQUIRE(cp.has_value());
    auto [read_ec, paid_events] = co_await h.store().async_read_stream("Payment-" + paid, 1, 10,
                                                                       mp::read_direction::forward, tuple_awaitable);
    BOOST_REQUIRE(!read_ec);
    BOOST_TEST((cp->position >= paid_events.front().log()));
  });
}

// With the pool, a deadline is claimed and handled in one transaction: while its handling fails,
// the claim rolls back and the deadline stays due (and fires again); handled, it is fired once.
BOOST_AUTO_TEST_CASE(a_deadline_is_claimed_and_handled_in_one_transaction) {
  pg_store_harness h(default_pool_params(8));
  h.run([&]() -> asio::awaitable<void> {
    bool failing = true;
    int deadline_calls = 0;
    mink::command_bus bus(h.fixture.ioc.get_executor());
    auto params = fast(5ms).manager;
    params.pool = &h.fixture.pool;
    mink::actors::saga_manager manager(h.fixture.ioc.get_executor(), h.store(), h.sagas(), h.deadlines(),
                                       h.checkpoints(), bus, params);
    BOOST_REQUIRE(!manager.add(reminder_saga(failing, deadline_calls)));
    bool stopped = false;
    manager.async_run([&](error_code ec) {
      BOOST_TEST(!ec);
      stopped = true;
    });
    const auto id = mink::new_uuid();
    const auto saga_id = "Reminder-" + id;
    std::vector<mink::event_data> set(1);
    set[0].type = "ReminderSet";
    set[0].data = {{"id", id}};
    auto [append_ec, appended] = co_await h.store().async_append(saga_id, mink::expected_version::any(), std::move(set),
                                                                 tuple_awaitable);
    BOOST_REQUIRE(!append_ec);

    asio::steady_timer tick(co_await asio::this_coro::executor);
    for (int i = 0; i < 1000 && deadline_calls < 3; ++i) {
      tick.expires_after(10ms);
      co_await tick.async_wait(tuple_awaitable);
    }
    BOOST_REQUIRE(deadline_calls >= 3);  // delivered again and again: each claim rolled back
    const auto due_while_failing = co_await unfired_deadlines(h, saga_id);
    BOOST_TEST(due_while_failing == 1);
    BOOST_TEST(manager.stats().deadlines_fired == 0u);

    failing = false;
    co_await wait_for(h, saga_id, saga_status::completed);
    const auto calls = deadline_calls;
    tick.expires_after(200ms);
    co_await tick.async_wait(tuple_awaitable);
    BOOST_TEST(deadline_calls == calls);  // fired once it was handled, never again
    BOOST_TEST(manager.stats().deadlines_fired == 1u);
    const auto due_after = co_await unfired_deadlines(h, saga_id);
    BOOST_TEST(due_after == 0);
    auto s = co_await saga(h, saga_id);
    BOOST_TEST(s->processed.size() == 2u);  // ReminderSet and the deadline

    manager.cancel();
    for (int i = 0; i < 500 && !stopped; ++i) {
      tick.expires_after(10ms);
      co_await tick.async_wait(tuple_awaitable);
    }
    BOOST_REQUIRE(stopped);
  });
}

BOOST_AUTO_TEST_SUITE_END()
