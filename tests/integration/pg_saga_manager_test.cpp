// The order-fulfilment saga on the PostgreSQL stores, end to end through the order service; a
// restart half-way (a fresh manager on the same database, its checkpoint lost) that still ends
// with every effect recorded once; and payment requests recorded by the gateway before a stop,
// answered once by the next process.
#include "pg_store_harness.hpp"

#include <ecommerce/app/order_service.hpp>
#include <ecommerce/fulfilment/fulfilment_service.hpp>

#include <mink/messaging/uuid.hpp>
#include <mink/persistence/query_params.hpp>

#include <boost/system/system_error.hpp>

#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <string>

namespace {

using namespace mink::test;
namespace mp = mink::persistence;
using mp::saga_status;

/// The order side and the fulfilment side of one process, on the harness's stores.
struct process {
  process(pg_store_harness& h, ecommerce::fulfilment_params params)
      : orders(h.fixture.ioc.get_executor(), h.store(), nullptr, h.idempotency()),
        fulfilment(h.fixture.ioc.get_executor(), h.store(), h.sagas(), h.deadlines(), h.checkpoints(), orders, params) {
    fulfilment.async_run([this](error_code ec) {
      BOOST_TEST(!ec);
      stopped = true;
    });
  }

  asio::awaitable<void> stop() {
    fulfilment.cancel();
    asio::steady_timer tick(co_await asio::this_coro::executor);
    for (int i = 0; i < 1000 && !(stopped && fulfilment.payments().pending() == 0); ++i) {
      tick.expires_after(10ms);
      co_await tick.async_wait(tuple_awaitable);
    }
    BOOST_REQUIRE(stopped);
    co_await orders.async_shutdown(tuple_awaitable);
  }

  ecommerce::order_service orders;
  ecommerce::fulfilment_service fulfilment;
  bool stopped = false;
};

ecommerce::fulfilment_params fast(std::chrono::milliseconds latency) {
  ecommerce::fulfilment_params p;
  p.payment.latency = latency;
  p.payment_deadline = 30s;
  p.manager.poll_interval = 20ms;
  p.manager.retry_delay = 20ms;
  return p;
}

template <mink::command C>
asio::awaitable<void> send(process& p, C c) {
  mink::dispatch_options options;
  auto [ec, r] = co_await p.orders.bus().async_dispatch(std::move(c), std::move(options), tuple_awaitable);
  BOOST_REQUIRE_MESSAGE(!ec, "dispatch failed: " + r.error_message);
}

asio::awaitable<void> submit(process& p, const std::string& id, std::vector<std::string> skus, std::int64_t cents) {
  ecommerce::create_order create;
  create.order_id = id;
  create.customer_id = "CUST-1";
  co_await send(p, std::move(create));
  for (auto& sku : skus) {
    ecommerce::add_item add;
    add.order_id = id;
    add.sku = sku;
    add.name = "Thing";
    add.quantity = 1;
    add.price = ecommerce::money::from_cents(cents);
    co_await send(p, std::move(add));
  }
  ecommerce::submit_order submit;
  submit.order_id = id;
  co_await send(p, std::move(submit));
}

asio::awaitable<std::size_t> count_of(mp::event_store& store, std::string stream, std::string type) {
  auto [ec, events] = co_await store.async_read_stream(std::move(stream), 1, 1000, mp::read_direction::forward,
                                                       tuple_awaitable);
  BOOST_REQUIRE((!ec || ec == mink::errc::stream_not_found));
  std::size_t n = 0;
  for (const auto& e : events) n += e.type == type ? 1 : 0;
  co_return n;
}

asio::awaitable<std::optional<mp::saga_state>> saga(pg_store_harness& h, std::string id) {
  auto [ec, s] = co_await h.sagas().async_find(std::move(id), tuple_awaitable);
  BOOST_REQUIRE(!ec);
  co_return s;
}

/// Polls until the saga has `status` (bounded: fails the test otherwise).
asio::awaitable<void> wait_for(pg_store_harness& h, const std::string& id, saga_status status) {
  asio::steady_timer tick(co_await asio::this_coro::executor);
  for (int i = 0; i < 1500; ++i) {
    auto s = co_await saga(h, id);
    if (s && s->status == status) co_return;
    tick.expires_after(20ms);
    co_await tick.async_wait(tuple_awaitable);
  }
  BOOST_FAIL("saga " + id + " never reached " + std::string(mp::to_string(status)));
}

asio::awaitable<void> wait_for_count(mp::event_store& store, const std::string& stream, const std::string& type,
                                     std::size_t n) {
  asio::steady_timer tick(co_await asio::this_coro::executor);
  for (int i = 0; i < 1500; ++i) {
    if (co_await count_of(store, stream, type) >= n) co_return;
    tick.expires_after(10ms);
    co_await tick.async_wait(tuple_awaitable);
  }
  BOOST_FAIL(stream + " never had " + type);
}

std::string new_order_id() { return "SG-" + mink::new_uuid(); }

/// Unfired deadlines of `saga_id`, read on a connection of its own (so not the claimer's).
asio::awaitable<std::int64_t> unfired_deadlines(pg_store_harness& h, const std::string& saga_id) {
  auto [ec, r] = co_await h.fixture.pool.async_query(
      "SELECT count(*) FROM mink_saga_deadlines WHERE saga_id = $1 AND fired_at IS NULL",
      mp::query_params(saga_id), tuple_awaitable);
  BOOST_REQUIRE(!ec);
  auto n = r.get<std::int64_t>(0, 0);
  BOOST_REQUIRE(n.has_value());
  co_return *n;
}

/// Reminder: ReminderSet starts it; its one step waits for a deadline, whose handler fails with
/// a transient error while `failing` is set, then completes the saga.
mink::actors::saga_definition reminder_saga(const bool& failing, int& deadline_calls) {
  mink::actors::saga_definition def;
  def.type = "Reminder";
  def.start_events = {"ReminderSet"};
  def.correlate = [](const mink::recorded_event& e) { return std::string(e.data.at("id").as_string()); };
  mink::actors::saga_step_definition wait;
  wait.name = "Wait";
  wait.run = [](mink::actors::saga_context& ctx) -> asio::awaitable<void> {
    boost::json::object payload;
    payload["why"] = "remind";
    auto ec = co_await ctx.schedule_deadline(50ms, std::move(payload));
    if (ec) throw boost::system::system_error(ec);
  };
  def.steps.push_back(std::move(wait));
  def.on_event["ReminderSet"] = [](mink::actors::saga_context& ctx) -> asio::awaitable<void> {
    co_await ctx.start_step("Wait");
  };
  def.on_deadline = [&failing, &deadline_calls](mink::actors::saga_context& ctx) -> asio::awaitable<void> {
    ++deadline_calls;
    if (failing) throw boost::system::system_error(make_error_code(mink::errc::timeout));
    ctx.complete_step("Wait");
    ctx.complete();
    co_return;
  };
  return def;
}

}  // namespace

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
