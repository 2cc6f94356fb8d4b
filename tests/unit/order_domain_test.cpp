// The e-commerce order domain: every rule of the decider, and command validation.

#include <ecommerce/domain/commands.hpp>
#include <ecommerce/domain/events.hpp>
#include <ecommerce/domain/json_text.hpp>
#include <ecommerce/domain/money.hpp>
#include <ecommerce/domain/order.hpp>
#include <ecommerce/domain/order_errc.hpp>
#include <ecommerce/domain/order_state.hpp>
#include <ecommerce/domain/timestamp.hpp>

#include <mink/messaging/errc.hpp>
#include <mink/messaging/event_codec.hpp>
#include <mink/messaging/event_registry.hpp>
#include <mink/testing/given_when_then.hpp>

#include "order_fixtures.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace ecommerce;
using namespace order_fixtures;
using mink::testing::given;
namespace json = boost::json;

BOOST_AUTO_TEST_SUITE(order_domain)

// ---- rules ----

BOOST_AUTO_TEST_CASE(example_basket_totals_1549_96) {
  auto v = given<order>(created, laptop, mice, keyboard).when(submit_cmd()).then(submitted);
  BOOST_TEST(v.passed, v.explanation);
  const auto data = mink::event_codec<order_event>::encode(submitted).data;
  BOOST_TEST(to_json_text(data.at("total_amount")) == "1549.96");
  BOOST_TEST(to_json_text(data).find("\"total_amount\":1549.96,") != std::string::npos, to_json_text(data));
  // A failed verdict shows the amounts as written.
  auto empty = given<order>(created).when(submit_cmd()).then(submitted);
  BOOST_TEST(!empty.passed);
  BOOST_TEST(empty.explanation ==
             "when SubmitOrder {\"order_id\":\"o-1\",\"requested_at\":\"2024-03-01T09:05:00.250Z\"}: expected events:\n"
             "  [0] OrderSubmitted {\"order_id\":\"o-1\",\"total_amount\":1549.96,\"submitted_at\":\"2024-03-01T09:05:00.250Z\"}\n"
             "but decide failed: ecommerce.order:5 \"cannot submit empty order\"\n");
}


BOOST_AUTO_TEST_CASE(create_only_when_the_order_does_not_exist) {
  auto ok = given<order>().when(create_cmd()).then(created);
  BOOST_TEST(ok.passed, ok.explanation);
  auto again = given<order>(created).when(create_cmd()).then_error(order_errc::already_exists);
  BOOST_TEST(again.passed, again.explanation);
  BOOST_TEST(message(order_errc::already_exists) == "order already exists");
}

BOOST_AUTO_TEST_CASE(add_items_only_while_created) {
  auto ok = given<order>(created).when(add_cmd("LAPTOP-001", 1, usd(129999))).then(item_added{
      .order_id = "o-1", .sku = "LAPTOP-001", .name = "Thing", .quantity = 1, .price = usd(129999)});
  BOOST_TEST(ok.passed, ok.explanation);
  auto missing = given<order>().when(add_cmd("A", 1, usd(1))).then_error(order_errc::not_created);
  BOOST_TEST(missing.passed, missing.explanation);
  BOOST_TEST(message(order_errc::not_created) == "order not created");
  for (const auto& history : {std::vector<order_event>{created, laptop, submitted},
                              std::vector<order_event>{created, laptop, submitted, shipped},
                              std::vector<order_event>{created, cancelled}}) {
    auto late = given<order>(history).when(add_cmd("A", 1, usd(1))).then_error(order_errc::already_submitted);
    BOOST_TEST(late.passed, late.explanation);
  }
  BOOST_TEST(message(order_errc::already_submitted) == "cannot add items: order already submitted");
}

BOOST_AUTO_TEST_CASE(submit_only_created_orders_with_items) {
  auto empty = given<order>(created).when(submit_cmd()).then_error(order_errc::empty_order);
  BOOST_TEST(empty.passed, empty.explanation);
  BOOST_TEST(message(order_errc::empty_order) == "cannot submit empty order");
  auto twice = given<order>(created, laptop, submitted).when(submit_cmd()).then_error(order_errc::submit_requires_created);
  BOOST_TEST(twice.passed, twice.explanation);
  auto after_cancel = given<order>(created, laptop, cancelled).when(submit_cmd()).then_error(order_errc::submit_requires_created);
  BOOST_TEST(after_cancel.passed, after_cancel.explanation);
  BOOST_TEST(message(order_errc::submit_requires_created) == "can only submit created orders");
  auto missing = given<order>().when(submit_cmd()).then_error(order_errc::not_created);
  BOOST_TEST(missing.passed, missing.explanation);
}

BOOST_AUTO_TEST_CASE(submit_totals_quantity_times_price_in_cents) {
  // Ten items at 0.10 and one at 0.20: floating point would give 1.2000000000000002.
  auto v = given<order>(created, item_added{.order_id = "o-1", .sku = "A", .name = "a", .quantity = 10, .price = usd(10)},
                        item_added{.order_id = "o-1", .sku = "B", .name = "b", .quantity = 1, .price = usd(20)})
               .when(submit_cmd())
               .then(order_submitted{.order_id = "o-1", .total_amount = usd(120), .submitted_at = t1});
  BOOST_TEST(v.passed, v.explanation);
}

BOOST_AUTO_TEST_CASE(ship_only_submitted_orders) {
  auto ok = given<order>(created, laptop, submitted).when(ship_cmd()).then(shipped);
  BOOST_TEST(ok.passed, ok.explanation);
  auto early = given<order>(created, laptop).when(ship_cmd()).then_error(order_errc::ship_requires_submitted);
  BOOST_TEST(early.passed, early.explanation);
  auto twice = given<order>(created, laptop, submitted, shipped).when(ship_cmd()).then_error(order_errc::ship_requires_submitted);
  BOOST_TEST(twice.passed, twice.explanation);
  BOOST_TEST(message(order_errc::ship_requires_submitted) == "can only ship submitted orders");
  auto missing = given<order>().when(ship_cmd()).then_error(order_errc::not_created);
  BOOST_TEST(missing.passed, missing.explanation);
}

BOOST_AUTO_TEST_CASE(shipping_without_a_tracking_number_generates_a_stable_one) {
  const std::string generated = tracking_number_for("o-1");
  BOOST_TEST(generated.rfind("TRK-", 0) == 0u);
  BOOST_TEST(generated.size() == 16u);
  BOOST_TEST(generated == tracking_number_for("o-1"));
  BOOST_TEST(generated != tracking_number_for("o-2"));
  auto v = given<order>(created, laptop, submitted)
               .when(ship_cmd(""))
               .then(order_shipped{.order_id = "o-1", .tracking_number = generated, .shipped_at = t2});
  BOOST_TEST(v.passed, v.explanation);
}

BOOST_AUTO_TEST_CASE(complete_only_shipped_orders) {
  auto ok = given<order>(created, laptop, submitted, shipped).when(complete_cmd()).then(completed);
  BOOST_TEST(ok.passed, ok.explanation);
  auto early = given<order>(created, laptop, submitted).when(complete_cmd()).then_error(order_errc::complete_requires_shipped);
  BOOST_TEST(early.passed, early.explanation);
  BOOST_TEST(message(order_errc::complete_requires_shipped) == "can only complete shipped orders");
  auto missing = given<order>().when(complete_cmd()).then_error(order_errc::not_created);
  BOOST_TEST(missing.passed, missing.explanation);
}

BOOST_AUTO_TEST_CASE(cancel_unless_shipped_or_completed) {
  auto created_only = given<order>(created).when(cancel_cmd()).then(cancelled);
  BOOST_TEST(created_only.passed, created_only.explanation);
  auto after_submit = given<order>(created, laptop, submitted).when(cancel_cmd()).then(cancelled);
  BOOST_TEST(after_submit.passed, after_submit.explanation);
  auto after_ship = given<order>(created, laptop, submitted, shipped).when(cancel_cmd()).then_error(order_errc::cancel_shipped);
  BOOST_TEST(after_ship.passed, after_ship.explanation);
  auto after_complete =
      given<order>(created, laptop, submitted, shipped, completed).when(cancel_cmd()).then_error(order_errc::cancel_completed);
  BOOST_TEST(after_complete.passed, after_complete.explanation);
  auto twice = given<order>(created, cancelled).when(cancel_cmd()).then_error(order_errc::already_cancelled);
  BOOST_TEST(twice.passed, twice.explanation);
  auto missing = given<order>().when(cancel_cmd()).then_error(order_errc::not_created);
  BOOST_TEST(missing.passed, missing.explanation);
  BOOST_TEST(message(order_errc::cancel_shipped) == "cannot cancel shipped order");
  BOOST_TEST(message(order_errc::cancel_completed) == "cannot cancel completed order");
  BOOST_TEST(message(order_errc::already_cancelled) == "order already cancelled");
}

BOOST_AUTO_TEST_CASE(errors_belong_to_the_order_category) {
  const boost::system::error_code ec = order_errc::empty_order;
  BOOST_TEST(ec.category().name() == std::string("ecommerce.order"));
  BOOST_TEST(ec.value() == 5);  // values are stable: they may be logged or stored
}

BOOST_AUTO_TEST_CASE(events_without_requested_at_are_stamped_now) {
  const auto before = std::chrono::system_clock::now() - std::chrono::seconds(1);
  auto v = given<order>().when(create_order{.order_id = "o-1", .customer_id = "c", .requested_at = {}}).then_state([&](const order_state& s) {
    return s.created_at >= before && s.created_at <= std::chrono::system_clock::now();
  });
  BOOST_TEST(v.passed, v.explanation);
}

BOOST_AUTO_TEST_CASE(evolve_tracks_status_items_total_and_times) {
  auto v = given<order>(created, laptop, mice, keyboard, submitted).when(ship_cmd()).then_state([](const order_state& s) {
    return s.status == order_status::shipped && s.items.size() == 3 && s.total == usd(154996) &&
           s.tracking_number == "1Z999" && s.created_at == t0 && s.submitted_at == t1 && s.shipped_at == t2;
  });
  BOOST_TEST(v.passed, v.explanation);
  auto running = given<order>(created, laptop).when(add_cmd("MOUSE-001", 2, usd(4999))).then_state([](const order_state& s) {
    return s.status == order_status::created && s.total == usd(129999 + 2 * 4999);
  });
  BOOST_TEST(running.passed, running.explanation);
  auto reason = given<order>(created).when(cancel_cmd()).then_state([](const order_state& s) {
    return s.status == order_status::cancelled && s.cancel_reason == "changed my mind" && s.cancelled_at == t1;
  });
  BOOST_TEST(reason.passed, reason.explanation);
}

BOOST_AUTO_TEST_CASE(status_names) {
  BOOST_TEST(to_string(order_status::none) == "None");
  BOOST_TEST(to_string(order_status::created) == "Created");
  BOOST_TEST(to_string(order_status::submitted) == "Submitted");
  BOOST_TEST(to_string(order_status::shipped) == "Shipped");
  BOOST_TEST(to_string(order_status::completed) == "Completed");
  BOOST_TEST(to_string(order_status::cancelled) == "Cancelled");
  BOOST_TEST((parse_order_status("Shipped") == order_status::shipped));
  BOOST_TEST(!parse_order_status("shipped").has_value());
}

// ---- validation ----

BOOST_AUTO_TEST_CASE(validation_lists_every_failing_field) {
  BOOST_TEST(create_cmd().validate().empty());
  BOOST_TEST((create_order{.order_id = "", .customer_id = "", .requested_at = {}}.validate() ==
              errors({{"order_id", "is required"}, {"customer_id", "is required"}})));
  const std::string long_id(101, 'x');
  BOOST_TEST((create_order{.order_id = long_id, .customer_id = std::string(100, 'c'), .requested_at = {}}.validate() ==
              errors({{"order_id", "must be at most 100 characters"}})));

  BOOST_TEST(add_cmd("SKU", 1, usd(0)).validate().empty());
  BOOST_TEST((add_item{.order_id = "", .sku = "", .name = "", .quantity = 0, .price = usd(-1), .requested_at = {}}.validate() ==
              errors({{"order_id", "is required"},
                      {"sku", "is required"},
                      {"quantity", "must be greater than zero"},
                      {"price", "must not be negative"}})));
  BOOST_TEST((add_item{.order_id = "o", .sku = long_id, .name = "", .quantity = -3, .price = usd(1), .requested_at = {}}.validate() ==
              errors({{"sku", "must be at most 100 characters"}, {"quantity", "must be greater than zero"}})));

  const auto order_id_required = errors({{"order_id", "is required"}});
  BOOST_TEST((submit_order{.order_id = "", .requested_at = {}}.validate() == order_id_required));
  BOOST_TEST((complete_order{.order_id = "", .requested_at = {}}.validate() == order_id_required));
  BOOST_TEST((cancel_order{.order_id = "", .reason = "", .requested_at = {}}.validate() == order_id_required));
  BOOST_TEST((ship_order{.order_id = "", .tracking_number = "", .requested_at = {}}.validate() == order_id_required));
  BOOST_TEST((ship_order{.order_id = long_id, .tracking_number = long_id, .requested_at = {}}.validate() ==
              errors({{"order_id", "must be at most 100 characters"}, {"tracking_number", "must be at most 100 characters"}})));
  BOOST_TEST(ship_cmd("").validate().empty());
}

BOOST_AUTO_TEST_CASE(read_command_reports_conversion_and_validation_failures_together) {
  add_item c;
  auto failures = read_command(json::parse(R"({"order_id":"o-1","quantity":0,"price":49.999})"), c);
  BOOST_TEST((failures == errors({{"price", "must be an amount with at most two decimals"},
                                  {"sku", "is required"},
                                  {"quantity", "must be greater than zero"}})));
  failures = read_command(json::parse(R"({"quantity":"two"})"), c);
  BOOST_TEST((failures == errors({{"quantity", "must be an integer"},
                                  {"price", "is required"},
                                  {"order_id", "is required"},
                                  {"sku", "is required"}})));
  BOOST_TEST(read_command(json::parse(R"({"order_id":"o-1","sku":"A","name":"a","quantity":2,"price":"49.99"})"), c).empty());
  BOOST_TEST((c == add_item{.order_id = "o-1", .sku = "A", .name = "a", .quantity = 2, .price = usd(4999), .requested_at = {}}));
  ship_order s;
  BOOST_TEST(read_command(json::parse(R"({"order_id":"o-1"})"), s).empty());
  BOOST_TEST(s.tracking_number.empty());
  create_order co;
  BOOST_TEST((read_command(json::parse("[1]"), co) == errors({{"", "must be a JSON object"}})));
}

BOOST_AUTO_TEST_SUITE_END()
