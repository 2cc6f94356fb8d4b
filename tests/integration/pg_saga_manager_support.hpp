#pragma once
// What the pg_saga_manager integration tests share: a "process" (order service and fulfilment
// on the PostgreSQL stores), order helpers, waits on saga states and event counts, and a small
// saga with a deadline.
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

namespace saga_test {

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

inline ecommerce::fulfilment_params fast(std::chrono::milliseconds latency) {
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

inline asio::awaitable<void> submit(process& p, const std::string& id, std::vector<std::string> skus, std::int64_t cents) {
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

inline asio::awaitable<std::size_t> count_of(mp::event_store& store, std::string stream, std::string type) {
  auto [ec, events] = co_await store.async_read_stream(std::move(stream), 1, 1000, mp::read_direction::forward,
                                                       tuple_awaitable);
  BOOST_REQUIRE((!ec || ec == mink::errc::stream_not_found));
  std::size_t n = 0;
  for (const auto& e : events) n += e.type == type ? 1 : 0;
  co_return n;
}

inline asio::awaitable<std::optional<mp::saga_state>> saga(pg_store_harness& h, std::string id) {
  auto [ec, s] = co_await h.sagas().async_find(std::move(id), tuple_awaitable);
  BOOST_REQUIRE(!ec);
  co_return s;
}

/// Polls until the saga has `status` (bounded: fails the test otherwise).
inline asio::awaitable<void> wait_for(pg_store_harness& h, const std::string& id, saga_status status) {
  asio::steady_timer tick(co_await asio::this_coro::executor);
  for (int i = 0; i < 1500; ++i) {
    auto s = co_await saga(h, id);
    if (s && s->status == status) co_return;
    tick.expires_after(20ms);
    co_await tick.async_wait(tuple_awaitable);
  }
  BOOST_FAIL("saga " + id + " never reached " + std::string(mp::to_string(status)));
}

inline asio::awaitable<void> wait_for_count(mp::event_store& store, const std::string& stream, const std::string& type,
                                     std::size_t n) {
  asio::steady_timer tick(co_await asio::this_coro::executor);
  for (int i = 0; i < 1500; ++i) {
    if (co_await count_of(store, stream, type) >= n) co_return;
    tick.expires_after(10ms);
    co_await tick.async_wait(tuple_awaitable);
  }
  BOOST_FAIL(stream + " never had " + type);
}

inline std::string new_order_id() { return "SG-" + mink::new_uuid(); }

/// Unfired deadlines of `saga_id`, read on a connection of its own (so not the claimer's).
inline asio::awaitable<std::int64_t> unfired_deadlines(pg_store_harness& h, const std::string& saga_id) {
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
inline mink::actors::saga_definition reminder_saga(const bool& failing, int& deadline_calls) {
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

}  // namespace saga_test
