// The order-fulfilment saga over the memory stores, with the real order service: the happy path,
// a declined payment, stock missing, a payment that never answers, a payment request that
// survives a stop of the service (as a crash) and is answered by the next one. Effects are
// counted in the services' streams.
#include "saga_test_support.hpp"

#include <ecommerce/app/order_service.hpp>
#include <ecommerce/fulfilment/fulfilment_service.hpp>

#include <mink/actors/saga.hpp>
#include <mink/persistence/memory_idempotency_store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

using namespace saga_test;
using namespace ecommerce;

namespace {

struct fulfilment_fixture : saga_fixture {
  mink::persistence::memory_idempotency_store idempotency{ioc.get_executor()};
  order_service orders{ioc.get_executor(), events, nullptr, idempotency};
  std::unique_ptr<fulfilment_service> fulfilment;
  bool fulfilling = false;

  void start(fulfilment_params params) {
    params.manager.poll_interval = 10ms;
    params.manager.retry_delay = 10ms;
    params.payment.poll_interval = 10ms;
    params.payment.retry_delay = 10ms;
    fulfilment = std::make_unique<fulfilment_service>(ioc.get_executor(), events, sagas, deadlines, checkpoints,
                                                      orders, params);
    fulfilling = true;
    fulfilment->async_run([this](error_code ec) {
      BOOST_TEST(!ec);
      fulfilling = false;
    });
  }
  void start() {
    fulfilment_params p;
    p.payment.latency = 5ms;
    start(p);
  }

  /// Cancels the running service, waits for its run to end and destroys it (a restart follows).
  void stop() {
    fulfilment->cancel();
    BOOST_REQUIRE(run_until(ioc, [&] { return !fulfilling; }));
    BOOST_TEST(fulfilment->payments().pending() == 0u);
    fulfilment.reset();
  }

  ~fulfilment_fixture() {
    if (fulfilment) {
      fulfilment->cancel();
      BOOST_TEST(run_until(ioc, [&] { return !fulfilling && fulfilment->payments().pending() == 0; }));
    }
    bool down = false;
    orders.async_shutdown([&](error_code) { down = true; });
    run_until(ioc, [&] { return down; });
  }

  template <mink::command C>
  error_code send(C c) {
    std::optional<error_code> out;
    orders.bus().async_dispatch(std::move(c), mink::dispatch_options(),
                                [&](error_code ec, mink::dispatch_result) { out = ec; });
    BOOST_REQUIRE(run_until(ioc, [&] { return out.has_value(); }));
    return *out;
  }

  /// Creates order `id` with one line per sku (quantity 1, `price_cents` each) and submits it.
  void submit(const std::string& id, std::vector<std::string> skus, std::int64_t price_cents) {
    BOOST_REQUIRE(!send(create_order{.order_id = id, .customer_id = "CUST-1", .requested_at = {}}));
    for (auto& sku : skus)
      BOOST_REQUIRE(!send(add_item{.order_id = id,
                                   .sku = sku,
                                   .name = "Thing",
                                   .quantity = 1,
                                   .price = money::from_cents(price_cents),
                                   .requested_at = {}}));
    BOOST_REQUIRE(!send(submit_order{.order_id = id, .requested_at = {}}));
  }

  std::string cancel_reason(const std::string& order_id) {
    for (const auto& e : stream("Order-" + order_id))
      if (e.type == "OrderCancelled") return std::string(e.data.at("reason").as_string());
    return {};
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(fulfilment_saga)

BOOST_FIXTURE_TEST_CASE(a_paid_and_stocked_order_is_shipped_and_the_saga_completes_with_the_order, fulfilment_fixture) {
  start();
  submit("o-1", {"LAPTOP-001", "MOUSE-001"}, 50000);
  const auto saga_id = fulfilment_saga_id("o-1");
  BOOST_TEST(saga_id == "OrderFulfillment-o-1");
  BOOST_REQUIRE(run_until(ioc, [&] { return count_of("Order-o-1", "OrderShipped") == 1; }));
  BOOST_REQUIRE(wait_for_status(saga_id, saga_status::running));
  auto s = find(saga_id);
  BOOST_TEST(s->correlation_id == "o-1");
  BOOST_TEST((s->status == saga_status::running));  // waits for the order to be completed
  for (const auto& step : s->steps) BOOST_TEST((step.status == step_status::completed), step.name);
  const auto shipped = stream("Order-o-1").back();
  BOOST_TEST(shipped.data.at("tracking_number").as_string() == tracking_number_for("o-1"));
  BOOST_TEST(shipped.metadata.correlation_id == "o-1");

  BOOST_REQUIRE(!send(complete_order{.order_id = "o-1", .requested_at = {}}));
  BOOST_REQUIRE(wait_for_status(saga_id, saga_status::completed));
  settle(50ms);
  BOOST_TEST(count_of("Payment-o-1", "PaymentProcessed") == 1u);
  BOOST_TEST(count_of("Payment-o-1", "PaymentRefunded") == 0u);
  BOOST_TEST(count_of("Inventory-o-1", "InventoryReserved") == 1u);
  BOOST_TEST(count_of("Order-o-1", "OrderShipped") == 1u);
  BOOST_TEST(count_of("Order-o-1", "OrderCancelled") == 0u);
  const auto payments = stream("Payment-o-1");
  BOOST_REQUIRE(payments.size() == 2u);
  const auto request_id = mink::actors::saga_command_id(saga_id, "ProcessPayment");
  BOOST_TEST(payments[0].type == "PaymentRequested");
  BOOST_TEST(payments[0].event_id == payment_requested_event_id(request_id));
  BOOST_TEST(payments[0].event_id == mink::actors::derived_uuid(request_id + "/requested"));
  BOOST_TEST(payments[0].data.at("amount_cents").as_int64() == 100000);
  BOOST_TEST(payments[0].data.at("request_id").as_string() == request_id);
  BOOST_TEST(payments[1].type == "PaymentProcessed");
  BOOST_TEST(payments[1].event_id == payment_answer_event_id(request_id));
  BOOST_TEST(payments[1].data.at("amount_cents").as_int64() == 100000);
  BOOST_TEST(fulfilment->manager().stats().deadlines_fired == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_payment_above_ten_thousand_is_declined_and_the_order_cancelled, fulfilment_fixture) {
  start();
  submit("o-2", {"TV-001", "TV-002"}, 500001);  // 10,000.02
  const auto saga_id = fulfilment_saga_id("o-2");
  BOOST_REQUIRE(wait_for_status(saga_id, saga_status::compensated));
  settle(50ms);
  BOOST_TEST(count_of("Payment-o-2", "PaymentDeclined") == 1u);
  BOOST_TEST(count_of("Payment-o-2", "PaymentProcessed") == 0u);
  BOOST_TEST(count_of("Payment-o-2", "PaymentRefunded") == 0u);
  BOOST_TEST(stream("Inventory-o-2").empty());
  BOOST_TEST(count_of("Order-o-2", "OrderCancelled") == 1u);
  BOOST_TEST(cancel_reason("o-2") == "payment declined");
  auto s = find(saga_id);
  BOOST_TEST(s->steps[0].name == "AcceptOrder");
  BOOST_TEST((s->steps[0].status == step_status::compensated));
  BOOST_TEST((s->steps[1].status == step_status::failed));
  BOOST_TEST(s->steps[1].error == "payment declined");
}

BOOST_FIXTURE_TEST_CASE(exactly_ten_thousand_is_paid, fulfilment_fixture) {
  start();
  submit("o-5", {"TV-001", "TV-002"}, 500000);  // 10,000.00
  BOOST_REQUIRE(run_until(ioc, [&] { return count_of("Order-o-5", "OrderShipped") == 1; }));
  BOOST_TEST(count_of("Payment-o-5", "PaymentProcessed") == 1u);
}

BOOST_FIXTURE_TEST_CASE(stock_missing_refunds_the_payment_and_cancels_the_order, fulfilment_fixture) {
  start();
  submit("o-3", {"LAPTOP-001", "OOS-42"}, 1000);
  const auto saga_id = fulfilment_saga_id("o-3");
  BOOST_REQUIRE(wait_for_status(saga_id, saga_status::compensated));
  settle(50ms);
  BOOST_TEST(count_of("Payment-o-3", "PaymentProcessed") == 1u);
  BOOST_TEST(count_of("Payment-o-3", "PaymentRefunded") == 1u);
  BOOST_TEST(count_of("Inventory-o-3", "InventoryReservationFailed") == 1u);
  BOOST_TEST(count_of("Inventory-o-3", "InventoryReserved") == 0u);
  const auto failed = stream("Inventory-o-3").front();
  BOOST_TEST(failed.data.at("skus").as_array().size() == 1u);
  BOOST_TEST(failed.data.at("skus").as_array()[0].as_string() == "OOS-42");
  BOOST_TEST(count_of("Order-o-3", "OrderCancelled") == 1u);
  BOOST_TEST(cancel_reason("o-3") == "out of stock");
  BOOST_TEST(count_of("Order-o-3", "OrderShipped") == 0u);
  auto s = find(saga_id);
  BOOST_TEST((s->steps[1].status == step_status::compensated));  // ProcessPayment: refunded
  BOOST_TEST((s->steps[2].status == step_status::failed));
}

BOOST_FIXTURE_TEST_CASE(a_payment_that_never_answers_fails_at_its_deadline, fulfilment_fixture) {
  fulfilment_params p;
  p.payment.latency = 60s;
  p.payment_deadline = 50ms;
  start(p);
  submit("o-4", {"LAPTOP-001"}, 1000);
  const auto saga_id = fulfilment_saga_id("o-4");
  BOOST_REQUIRE(wait_for_status(saga_id, saga_status::compensated));
  BOOST_TEST(cancel_reason("o-4") == "payment timed out");
  BOOST_TEST(fulfilment->manager().stats().deadlines_fired == 1u);
  BOOST_TEST(count_of("Payment-o-4", "PaymentRequested") == 1u);
  BOOST_TEST(count_of("Payment-o-4", "PaymentProcessed") == 0u);
  BOOST_TEST(fulfilment->payments().pending() == 1u);  // still thinking; left in the log on cancel
}

// The service stops (as in a crash) after the gateway recorded the request, before it answered;
// the next service on the same stores answers it, and the saga goes on at once (its payment
// deadline is 30 s, far beyond the bound of these waits).
BOOST_FIXTURE_TEST_CASE(a_request_recorded_before_a_stop_is_answered_by_the_next_service, fulfilment_fixture) {
  fulfilment_params slow;
  slow.payment.latency = 60s;
  start(slow);
  submit("o-6", {"LAPTOP-001"}, 1000);
  BOOST_REQUIRE(run_until(ioc, [&] { return fulfilment->payments().pending() == 1; }));
  BOOST_TEST(count_of("Payment-o-6", "PaymentRequested") == 1u);
  stop();
  BOOST_TEST(count_of("Payment-o-6", "PaymentProcessed") == 0u);

  start();  // latency 5 ms
  BOOST_REQUIRE(run_until(ioc, [&] { return count_of("Order-o-6", "OrderShipped") == 1; }));
  settle(50ms);
  BOOST_TEST(count_of("Payment-o-6", "PaymentRequested") == 1u);
  BOOST_TEST(count_of("Payment-o-6", "PaymentProcessed") == 1u);
  BOOST_TEST(count_of("Payment-o-6", "PaymentDeclined") == 0u);
  BOOST_TEST(count_of("Payment-o-6", "PaymentRefunded") == 0u);
  BOOST_TEST(count_of("Inventory-o-6", "InventoryReserved") == 1u);
  BOOST_TEST(fulfilment->manager().stats().deadlines_fired == 0u);
  BOOST_TEST(fulfilment->payments().pending() == 0u);
  auto s = find(fulfilment_saga_id("o-6"));
  BOOST_REQUIRE(s.has_value());
  BOOST_TEST((s->steps[1].status == step_status::completed));
}

BOOST_FIXTURE_TEST_CASE(a_declined_request_recorded_before_a_stop_is_declined_once_by_the_next_service,
                        fulfilment_fixture) {
  fulfilment_params slow;
  slow.payment.latency = 60s;
  start(slow);
  submit("o-7", {"TV-001", "TV-002"}, 500001);  // 10,000.02
  BOOST_REQUIRE(run_until(ioc, [&] { return fulfilment->payments().pending() == 1; }));
  stop();
  BOOST_TEST(count_of("Payment-o-7", "PaymentDeclined") == 0u);

  start();
  const auto saga_id = fulfilment_saga_id("o-7");
  BOOST_REQUIRE(wait_for_status(saga_id, saga_status::compensated));
  settle(50ms);
  BOOST_TEST(count_of("Payment-o-7", "PaymentRequested") == 1u);
  BOOST_TEST(count_of("Payment-o-7", "PaymentDeclined") == 1u);
  BOOST_TEST(count_of("Payment-o-7", "PaymentProcessed") == 0u);
  BOOST_TEST(count_of("Order-o-7", "OrderCancelled") == 1u);
  BOOST_TEST(cancel_reason("o-7") == "payment declined");
  BOOST_TEST(fulfilment->manager().stats().deadlines_fired == 0u);
}

// A restart of a service that had answered: the answered request is not answered again, even when
// the gateway reads the whole log again (its checkpoint lost).
BOOST_FIXTURE_TEST_CASE(an_answered_request_is_not_answered_again_after_a_restart, fulfilment_fixture) {
  start();
  submit("o-8", {"LAPTOP-001"}, 1000);
  BOOST_REQUIRE(run_until(ioc, [&] { return count_of("Order-o-8", "OrderShipped") == 1; }));
  stop();
  bool reset = false;
  mink::persistence::checkpoint lost;
  lost.projection = std::string(payment_gateway_checkpoint);
  checkpoints.async_save(lost, [&](error_code ec) {
    BOOST_TEST(!ec);
    reset = true;
  });
  BOOST_REQUIRE(run_until(ioc, [&] { return reset; }));

  fulfilment_params slow;
  slow.payment.latency = 60s;  // an answer in the making would show as pending
  start(slow);
  settle(100ms);
  BOOST_TEST(fulfilment->payments().pending() == 0u);  // found answered in its stream
  BOOST_TEST(count_of("Payment-o-8", "PaymentRequested") == 1u);
  BOOST_TEST(count_of("Payment-o-8", "PaymentProcessed") == 1u);
  BOOST_TEST(count_of("Payment-o-8", "PaymentRefunded") == 0u);
}

// The gateway on its own: requests are recorded once, answered once, and its checkpoint never
// passes a request that is not answered. (Nested: run with the fulfilment_saga suite.)
BOOST_AUTO_TEST_SUITE(payment_gateway)

namespace {

struct gateway_fixture : saga_fixture {
  std::unique_ptr<payment_service> gateway;
  bool gateway_running = false;

  void start(std::chrono::milliseconds latency) {
    payment_params p;
    p.latency = latency;
    p.poll_interval = 10ms;
    p.retry_delay = 10ms;
    gateway = std::make_unique<payment_service>(ioc.get_executor(), events, checkpoints, p);
    gateway_running = true;
    gateway->async_run([this](error_code ec) {
      BOOST_TEST(!ec);
      gateway_running = false;
    });
  }
  void stop() {
    gateway->cancel();
    BOOST_REQUIRE(run_until(ioc, [&] { return !gateway_running; }));
    gateway.reset();
  }
  ~gateway_fixture() {
    if (gateway && gateway_running) {
      gateway->cancel();
      run_until(ioc, [&] { return !gateway_running; });
    }
  }

  error_code request(const std::string& order_id, std::int64_t cents, const std::string& request_id) {
    std::optional<error_code> out;
    auto ask = [&]() -> asio::awaitable<void> {
      out = co_await gateway->request(order_id, money::from_cents(cents), request_id);
    };
    asio::co_spawn(ioc, ask, asio::detached);
    BOOST_REQUIRE(run_until(ioc, [&] { return out.has_value(); }));
    return *out;
  }

  std::optional<mink::persistence::checkpoint> checkpoint() {
    bool done = false;
    std::optional<mink::persistence::checkpoint> out;
    checkpoints.async_load(std::string(payment_gateway_checkpoint),
                           [&](error_code ec, std::optional<mink::persistence::checkpoint> cp) {
                             BOOST_TEST(!ec);
                             out = std::move(cp);
                             done = true;
                           });
    BOOST_REQUIRE(run_until(ioc, [&] { return done; }));
    return out;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(asking_twice_records_the_request_once_and_answers_it_once, gateway_fixture) {
  start(5ms);
  const std::string request_id = mink::actors::derived_uuid("test/pay-1");
  BOOST_TEST(!request("p-1", 1500, request_id));
  BOOST_TEST(!request("p-1", 1500, request_id));  // a replay
  BOOST_REQUIRE(run_until(ioc, [&] { return count_of("Payment-p-1", "PaymentProcessed") == 1; }));
  settle(50ms);
  const auto payments = stream("Payment-p-1");
  BOOST_REQUIRE(payments.size() == 2u);
  BOOST_TEST(payments[0].type == "PaymentRequested");
  BOOST_TEST(payments[0].metadata.correlation_id == "p-1");
  BOOST_TEST(payments[1].type == "PaymentProcessed");
  BOOST_TEST(payments[1].event_id == payment_answer_event_id(request_id));
  BOOST_TEST(payments[1].data.at("amount_cents").as_int64() == 1500);
  BOOST_TEST(gateway->pending() == 0u);
  auto cp = checkpoint();
  BOOST_REQUIRE(cp.has_value());
  BOOST_TEST((cp->position >= payments[0].log()));  // past the answered request
}

BOOST_FIXTURE_TEST_CASE(a_request_made_while_no_gateway_runs_is_answered_when_one_starts, gateway_fixture) {
  gateway = std::make_unique<payment_service>(ioc.get_executor(), events, checkpoints, payment_params());
  const std::string request_id = mink::actors::derived_uuid("test/pay-2");
  BOOST_TEST(!request("p-2", 2'000'000, request_id));  // 20,000.00: declined
  gateway.reset();
  settle(20ms);
  BOOST_TEST(count_of("Payment-p-2", "PaymentDeclined") == 0u);
  start(5ms);
  BOOST_REQUIRE(run_until(ioc, [&] { return count_of("Payment-p-2", "PaymentDeclined") == 1; }));
  settle(50ms);
  BOOST_TEST(count_of("Payment-p-2", "PaymentDeclined") == 1u);
  BOOST_TEST(count_of("Payment-p-2", "PaymentProcessed") == 0u);
  BOOST_TEST(stream("Payment-p-2").back().data.at("reason").as_string() == "amount above limit");
}

BOOST_FIXTURE_TEST_CASE(the_checkpoint_stays_before_a_request_not_answered_yet, gateway_fixture) {
  start(5ms);
  const std::string first = mink::actors::derived_uuid("test/pay-3");
  BOOST_TEST(!request("p-3", 100, first));
  BOOST_REQUIRE(run_until(ioc, [&] { return count_of("Payment-p-3", "PaymentProcessed") == 1; }));
  stop();
  start(60s);
  const std::string second = mink::actors::derived_uuid("test/pay-4");
  BOOST_TEST(!request("p-4", 100, second));
  BOOST_REQUIRE(run_until(ioc, [&] { return gateway->pending() == 1; }));
  settle(30ms);
  const auto requested = stream("Payment-p-4").front();
  auto cp = checkpoint();
  BOOST_REQUIRE(cp.has_value());
  BOOST_TEST((cp->position < requested.log()));  // the unanswered request is read again after a restart
  stop();
  start(5ms);
  BOOST_REQUIRE(run_until(ioc, [&] { return count_of("Payment-p-4", "PaymentProcessed") == 1; }));
  settle(50ms);
  BOOST_TEST(count_of("Payment-p-3", "PaymentProcessed") == 1u);
  BOOST_TEST(count_of("Payment-p-4", "PaymentProcessed") == 1u);
  BOOST_TEST((checkpoint()->position >= requested.log()));
}

BOOST_FIXTURE_TEST_CASE(running_twice_is_refused, gateway_fixture) {
  start(5ms);
  std::optional<error_code> second;
  gateway->async_run([&](error_code ec) { second = ec; });
  BOOST_TEST(!second.has_value());  // never inline
  BOOST_REQUIRE(run_until(ioc, [&] { return second.has_value(); }));
  BOOST_TEST((*second == mink::errc::operation_in_progress));
  BOOST_TEST(gateway_running);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END()  // fulfilment_saga
