// The whole command path on the real database: the standard pipeline, order actors and the
// PostgreSQL stores. Concurrency on one order (in one process and across two), 50 concurrent
// duplicates of one command, passivation and reactivation, and draining on shutdown.
#include "pg_store_harness.hpp"

#include <ecommerce/app/order_service.hpp>

#include <mink/messaging/uuid.hpp>

#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace mink::test;
namespace mp = mink::persistence;

/// Outcomes of commands dispatched at once, collected as they complete.
struct outcomes {
  std::vector<std::pair<error_code, mink::dispatch_result>> done;
  std::size_t expected = 0;
};

/// Dispatches every envelope at once (none waits for another); the answers collect in the result.
std::shared_ptr<outcomes> start_all(mink::command_bus& bus, std::vector<mink::command_envelope> envs) {
  auto out = std::make_shared<outcomes>();
  out->expected = envs.size();
  for (auto& env : envs) {
    bus.async_dispatch(std::move(env), [out](error_code ec, mink::dispatch_result r) { out->done.emplace_back(ec, std::move(r)); });
  }
  return out;
}

/// Waits, bounded, until every answer of `out` has arrived.
asio::awaitable<void> wait_all(std::shared_ptr<outcomes> out) {
  asio::steady_timer tick(co_await asio::this_coro::executor);
  for (int i = 0; i < 3000 && out->done.size() < out->expected; ++i) {
    tick.expires_after(10ms);
    co_await tick.async_wait(tuple_awaitable);
  }
  BOOST_REQUIRE_EQUAL(out->done.size(), out->expected);
}

asio::awaitable<mink::dispatch_result> dispatch_one(mink::command_bus& bus, mink::command_envelope env) {
  auto [ec, r] = co_await bus.async_dispatch(std::move(env), tuple_awaitable);
  BOOST_REQUIRE_MESSAGE(!ec, "dispatch failed: " + r.error_message);
  co_return r;
}

mink::command_envelope create(const std::string& id, mink::dispatch_options options) {
  ecommerce::create_order c;
  c.order_id = id;
  c.customer_id = "CUST-1";
  return mink::make_envelope(std::move(c), std::move(options));
}

mink::command_envelope add(const std::string& id, const std::string& sku, mink::dispatch_options options) {
  ecommerce::add_item a;
  a.order_id = id;
  a.sku = sku;
  a.name = "Thing " + sku;
  a.quantity = 1;
  a.price = ecommerce::money::from_cents(100);
  return mink::make_envelope(std::move(a), std::move(options));
}

// Overloads rather than `= {}` defaults: GCC 12 mishandles brace-initialised temporaries inside
// a co_await expression.
mink::command_envelope create(const std::string& id) { return create(id, mink::dispatch_options()); }
mink::command_envelope add(const std::string& id, const std::string& sku) { return add(id, sku, mink::dispatch_options()); }

std::string new_order_id() { return "IT-" + mink::new_uuid(); }

asio::awaitable<std::vector<mink::recorded_event>> events_of(mp::event_store& store, const std::string& id) {
  auto [ec, events] = co_await store.async_read_stream("Order-" + id, 1, 1000, mp::read_direction::forward, tuple_awaitable);
  BOOST_REQUIRE(!ec);
  co_return events;
}

ecommerce::order_service_params service_params(unsigned conflict_retries = 3) {
  ecommerce::order_service_params p;
  p.aggregate.conflict_retries = conflict_retries;
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(order_pipeline)

BOOST_AUTO_TEST_CASE(concurrent_commands_on_one_order_take_contiguous_versions) {
  pg_store_harness h;
  ecommerce::order_service service(h.context().get_executor(), h.store(), &h.snapshots(), h.idempotency());
  h.run([&]() -> asio::awaitable<void> {
    const std::string id = new_order_id();
    co_await dispatch_one(service.bus(), create(id));
    std::vector<mink::command_envelope> adds;
    for (int i = 0; i < 20; ++i) adds.push_back(add(id, "SKU-" + std::to_string(i)));
    auto out = start_all(service.bus(), std::move(adds));
    co_await wait_all(out);
    std::set<std::uint64_t> versions;
    for (auto& [ec, r] : out->done) {
      BOOST_TEST(!ec, r.error_message);
      versions.insert(r.version);
    }
    BOOST_TEST(versions.size() == 20u);  // one actor, one command at a time: no conflicts at all
    BOOST_TEST(*versions.begin() == 2u);
    BOOST_TEST(*versions.rbegin() == 21u);
    auto events = co_await events_of(h.store(), id);
    BOOST_TEST(events.size() == 21u);
    co_await service.async_shutdown(asio::use_awaitable);
  });
}

BOOST_AUTO_TEST_CASE(two_processes_on_one_order_resolve_conflicts_by_reloading) {
  pg_store_harness h;
  // Two services on one database stand for two nodes: each has its own actor for the order.
  ecommerce::order_service a(h.context().get_executor(), h.store(), &h.snapshots(), h.idempotency(), service_params(30));
  ecommerce::order_service b(h.context().get_executor(), h.store(), &h.snapshots(), h.idempotency(), service_params(30));
  h.run([&]() -> asio::awaitable<void> {
    const std::string id = new_order_id();
    co_await dispatch_one(a.bus(), create(id));
    std::vector<mink::command_envelope> to_a, to_b;
    for (int i = 0; i < 10; ++i) {
      to_a.push_back(add(id, "A-" + std::to_string(i)));
      to_b.push_back(add(id, "B-" + std::to_string(i)));
    }
    auto out_a = start_all(a.bus(), std::move(to_a));
    auto out_b = start_all(b.bus(), std::move(to_b));
    co_await wait_all(out_a);
    co_await wait_all(out_b);
    for (auto* out : {out_a.get(), out_b.get()})
      for (auto& [ec, r] : out->done) BOOST_TEST(!ec, r.error_message);
    auto events = co_await events_of(h.store(), id);
    BOOST_REQUIRE(events.size() == 21u);
    for (std::size_t i = 0; i < events.size(); ++i) BOOST_TEST(events[i].version == i + 1);

    // With a fixed expected version there is no retry: the caller gets the conflict.
    mink::dispatch_options fixed;
    fixed.expected = mink::expected_version::exact(1);
    auto [ec, r] = co_await a.bus().async_dispatch(add(id, "LATE", fixed), tuple_awaitable);
    BOOST_TEST((ec == mink::errc::wrong_expected_version));
    BOOST_TEST(r.error_message == "concurrency conflict on stream \"Order-" + id + "\": expected version 1, got 21");
    co_await a.async_shutdown(asio::use_awaitable);
    co_await b.async_shutdown(asio::use_awaitable);
  });
}

BOOST_AUTO_TEST_CASE(fifty_concurrent_duplicates_execute_once) {
  pg_store_harness h;
  ecommerce::order_service a(h.context().get_executor(), h.store(), &h.snapshots(), h.idempotency());
  ecommerce::order_service b(h.context().get_executor(), h.store(), &h.snapshots(), h.idempotency());
  h.run([&]() -> asio::awaitable<void> {
    const std::string id = new_order_id();
    mink::dispatch_options same;
    same.command_id = mink::new_uuid();
    // 25 through each of two services: in-process waiting within each, the database between them.
    std::vector<mink::command_envelope> to_a, to_b;
    for (int i = 0; i < 25; ++i) {
      to_a.push_back(create(id, same));
      to_b.push_back(create(id, same));
    }
    auto out_a = start_all(a.bus(), std::move(to_a));
    auto out_b = start_all(b.bus(), std::move(to_b));
    co_await wait_all(out_a);
    co_await wait_all(out_b);
    std::size_t executed = 0, replayed = 0;
    std::set<std::int64_t> positions;
    for (auto* out : {out_a.get(), out_b.get()}) {
      for (auto& [ec, r] : out->done) {
        BOOST_TEST(!ec, r.error_message);
        BOOST_TEST(r.version == 1u);
        (r.replayed ? replayed : executed) += 1;
        if (!r.positions.empty()) positions.insert(r.positions.front());
      }
    }
    BOOST_TEST(executed == 1u);
    BOOST_TEST(replayed == 49u);
    BOOST_TEST(positions.size() == 1u);  // every answer names the one stored event
    auto events = co_await events_of(h.store(), id);
    BOOST_TEST(events.size() == 1u);

    // The same command id with another payload is refused, and changes nothing.
    mink::command_envelope other = create(id, same);
    ecommerce::create_order changed;
    changed.order_id = id;
    changed.customer_id = "CUST-2";
    other = mink::make_envelope(changed, same);
    auto [ec, r] = co_await a.bus().async_dispatch(std::move(other), tuple_awaitable);
    BOOST_TEST((ec == mink::errc::idempotency_key_reused));
    BOOST_TEST((co_await events_of(h.store(), id)).size() == 1u);
    co_await a.async_shutdown(asio::use_awaitable);
    co_await b.async_shutdown(asio::use_awaitable);
  });
}

BOOST_AUTO_TEST_CASE(a_passivated_order_is_reactivated_with_its_state) {
  pg_store_harness h;
  ecommerce::order_service_params params;
  params.actors.idle_timeout = 50ms;
  ecommerce::order_service service(h.context().get_executor(), h.store(), &h.snapshots(), h.idempotency(), params);
  h.run([&]() -> asio::awaitable<void> {
    const std::string id = new_order_id();
    co_await dispatch_one(service.bus(), create(id));
    co_await dispatch_one(service.bus(), add(id, "SKU-1"));
    auto& registry = service.orders().registry();
    BOOST_TEST(registry.stats().active == 1u);
    asio::steady_timer tick(co_await asio::this_coro::executor);
    for (int i = 0; i < 500 && registry.stats().active > 0; ++i) {
      tick.expires_after(10ms);
      co_await tick.async_wait(tuple_awaitable);
    }
    BOOST_TEST(registry.stats().active == 0u);
    BOOST_TEST(registry.stats().passivations >= 1u);

    // Reactivated, it loads what the store holds: submitting sees the item added before.
    ecommerce::submit_order submit;
    submit.order_id = id;
    auto r = co_await dispatch_one(service.bus(), mink::make_envelope(submit));
    BOOST_TEST(r.version == 3u);
    BOOST_TEST(registry.stats().activations == 2u);
    co_await service.async_shutdown(asio::use_awaitable);
  });
}

BOOST_AUTO_TEST_CASE(shutdown_drains_queued_commands_then_refuses) {
  pg_store_harness h;
  ecommerce::order_service service(h.context().get_executor(), h.store(), &h.snapshots(), h.idempotency());
  h.run([&]() -> asio::awaitable<void> {
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(new_order_id());
    for (const auto& id : ids) co_await dispatch_one(service.bus(), create(id));

    auto out = std::make_shared<outcomes>();
    out->expected = 30;
    for (int i = 0; i < 30; ++i) {
      service.bus().async_dispatch(add(ids[i % 5], "SKU-" + std::to_string(i)),
                                   [out](error_code ec, mink::dispatch_result r) { out->done.emplace_back(ec, std::move(r)); });
    }
    // Shutdown starts while commands are queued in the actors' mailboxes (others may still be in
    // the pipeline's stages: those reach the registry after it stopped accepting).
    asio::steady_timer tick(co_await asio::this_coro::executor);
    auto& registry = service.orders().registry();
    for (int i = 0; i < 2000 && registry.stats().mailbox_depth < 10 && out->done.size() < 30; ++i) {
      tick.expires_after(1ms);
      co_await tick.async_wait(tuple_awaitable);
    }
    const std::size_t queued_at_shutdown = registry.stats().mailbox_depth;
    BOOST_TEST(queued_at_shutdown >= 10u);
    co_await service.async_shutdown(asio::use_awaitable);
    co_await wait_all(out);

    // Every caller has an answer: success for all that were queued (and those in flight), a clear
    // refusal for those that came too late; and exactly the successful ones are stored.
    std::size_t succeeded = 0;
    for (auto& [ec, r] : out->done) {
      if (!ec) ++succeeded;
      else BOOST_TEST((ec == mink::errc::shutting_down), r.error_message);
    }
    BOOST_TEST(succeeded >= queued_at_shutdown);
    std::size_t stored = 0;
    for (const auto& id : ids) stored += (co_await events_of(h.store(), id)).size();
    BOOST_TEST(stored == 5u + succeeded);

    auto [ec, r] = co_await service.bus().async_dispatch(add(ids[0], "LATE"), tuple_awaitable);
    BOOST_TEST((ec == mink::errc::shutting_down));
  });
}

BOOST_AUTO_TEST_SUITE_END()
