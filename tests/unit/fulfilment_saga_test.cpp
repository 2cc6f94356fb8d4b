// The order-fulfilment saga over the memory stores, with the real order service: the happy path,
// a declined payment, stock missing, a payment that never answers. Effects are counted in the
// services' streams.
#include "saga_test_support.hpp"

#include <ecommerce/app/order_service.hpp>
#include <ecommerce/fulfilment/fulfilment_service.hpp>

#include <mink/persistence/memory_idempotency_store.hpp>

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
  const auto payment = stream("Payment-o-1").front();
  BOOST_TEST(payment.data.at("amount_cents").as_int64() == 100000);
  BOOST_TEST(payment.event_id == mink::actors::saga_command_id(saga_id, "ProcessPayment"));
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
  BOOST_TEST(stream("Payment-o-4").empty());
  BOOST_TEST(fulfilment->payments().pending() == 1u);  // still thinking; dropped on cancel
}

BOOST_AUTO_TEST_SUITE_END()
