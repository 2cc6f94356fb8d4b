// The e-commerce order domain: exact money, times, and the JSON of events, commands and state.

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

#include "order_fixtures.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace ecommerce;
using namespace order_fixtures;
namespace json = boost::json;

BOOST_AUTO_TEST_SUITE(order_domain)

// ---- money ----

BOOST_AUTO_TEST_CASE(money_parses_text_with_at_most_two_decimals) {
  BOOST_TEST(parse_money("49.99").value().cents == 4999);
  BOOST_TEST(parse_money("1299.99").value().cents == 129999);
  BOOST_TEST(parse_money("10").value().cents == 1000);
  BOOST_TEST(parse_money("0.5").value().cents == 50);
  BOOST_TEST(parse_money("-5.25").value().cents == -525);
  for (const char* bad : {"", "-", "49.999", "1.", ".5", "1e3", " 1", "1 ", "1,00", "abc", "1234567890123456"}) {
    BOOST_TEST(!parse_money(bad).has_value(), bad);
  }
}

BOOST_AUTO_TEST_CASE(money_reads_json_numbers_exactly) {
  BOOST_TEST(json::value_to<money>(json::parse("49.99")).cents == 4999);
  BOOST_TEST(json::value_to<money>(json::parse("1299.99")).cents == 129999);
  BOOST_TEST(json::value_to<money>(json::parse("149.99")).cents == 14999);
  BOOST_TEST(json::value_to<money>(json::parse("0.07")).cents == 7);
  BOOST_TEST(json::value_to<money>(json::parse("12")).cents == 1200);
  BOOST_TEST(json::value_to<money>(json::parse("\"1549.96\"")).cents == 154996);
  BOOST_TEST(json::value_to<money>(json::parse("1.54996E3")).cents == 154996);
  for (const char* bad : {"49.999", "0.001", "\"49.999\"", "true", "null", "[]", "1e20"}) {
    BOOST_TEST(!money_from_json(json::parse(bad)).has_value(), bad);
    BOOST_CHECK_THROW(json::value_to<money>(json::parse(bad)), std::invalid_argument);
  }
}

BOOST_AUTO_TEST_CASE(money_prints_exactly) {
  BOOST_TEST(to_string(usd(154996)) == "1549.96");
  BOOST_TEST(to_currency_string(usd(154996)) == "$1549.96");
  BOOST_TEST(to_string(usd(1000)) == "10.00");
  BOOST_TEST(to_string(usd(5)) == "0.05");
  BOOST_TEST(to_string(usd(-50)) == "-0.50");
  BOOST_TEST(to_currency_string(usd(-50)) == "-$0.50");
  BOOST_TEST(to_json_text(json::value_from(usd(154996))) == "1549.96");
  BOOST_TEST(to_json_text(json::value_from(usd(1000))) == "10");
  BOOST_TEST(to_json_text(json::value_from(usd(5))) == "0.05");
  // 0.1 + 0.2 in cents is 0.3, not 0.30000000000000004.
  BOOST_TEST(to_json_text(json::value_from(usd(10) + usd(20))) == "0.3");
  BOOST_TEST(to_json_text(json::value_from(usd(10) + usd(20))) != to_json_text(json::value(0.1 + 0.2)));
}

BOOST_AUTO_TEST_CASE(money_survives_json_for_every_cent_up_to_twenty_thousand_dollars) {
  for (std::int64_t c = -1000; c <= 2'000'000; c += 7) {
    const json::value v = json::value_from(usd(c));
    const std::string text = to_json_text(v);
    const money back = json::value_to<money>(json::parse(text));
    if (back.cents != c) BOOST_FAIL("cents " << c << " printed as " << text);
    if (parse_money(text) != usd(c)) BOOST_FAIL("cents " << c << " printed as " << text << ", not plain decimals");
    if (json::value_to<money>(json::parse(json::serialize(v))).cents != c) BOOST_FAIL("cents " << c);
  }
}

// ---- timestamps ----

BOOST_AUTO_TEST_CASE(times_are_rfc3339_utc_with_milliseconds) {
  BOOST_TEST(format_rfc3339(t1) == "2024-03-01T09:05:00.250Z");
  BOOST_TEST(format_rfc3339(timestamp{}) == "1970-01-01T00:00:00.000Z");
  BOOST_TEST((at("2024-03-01T10:05:00.250+01:00") == t1));
  BOOST_TEST((at("2024-03-01T09:05:00.2509Z") == t1));
  BOOST_TEST((at("2024-03-01T09:05:00.25Z") == t1));
  for (const char* bad : {"2024-03-01", "2024-03-01T09:05:00", "2024-02-30T00:00:00Z", "2024-03-01T25:00:00Z", "x"}) {
    BOOST_TEST(!parse_rfc3339(bad).has_value(), bad);
  }
}

// ---- JSON ----

BOOST_AUTO_TEST_CASE(events_have_snake_case_json_and_round_trip) {
  const json::value v = json::value_from(created);
  BOOST_TEST(v == json::parse(R"({"order_id":"o-1","customer_id":"CUST-12345","created_at":"2024-03-01T09:00:00.000Z"})"));
  BOOST_TEST(json::value_from(mice) ==
             json::parse(R"({"order_id":"o-1","sku":"MOUSE-001","name":"Wireless Mouse","quantity":2,"price":49.99})"));
  BOOST_TEST(json::value_from(shipped) ==
             json::parse(R"({"order_id":"o-1","tracking_number":"1Z999","shipped_at":"2024-03-02T14:00:00.000Z"})"));
  BOOST_TEST((round_trip(created) == created));
  BOOST_TEST((round_trip(laptop) == laptop));
  BOOST_TEST((round_trip(submitted) == submitted));
  BOOST_TEST((round_trip(shipped) == shipped));
  BOOST_TEST((round_trip(completed) == completed));
  BOOST_TEST((round_trip(cancelled) == cancelled));
  BOOST_CHECK_THROW(json::value_to<order_created>(json::parse(R"({"order_id":"o-1"})")), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(events_decode_through_the_event_codec) {
  using codec = mink::event_codec<order_event>;
  const std::vector<order_event> all{created, laptop, submitted, shipped, completed, cancelled};
  const std::vector<std::string> names{"OrderCreated", "ItemAdded", "OrderSubmitted", "OrderShipped", "OrderCompleted", "OrderCancelled"};
  for (std::size_t i = 0; i < all.size(); ++i) {
    const mink::event_data d = codec::encode(all[i]);
    BOOST_TEST(d.type == names[i]);
    auto back = codec::decode(d.type, json::parse(json::serialize(d.data)));
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST((*back == all[i]), names[i]);
  }
  BOOST_TEST((codec::decode("OrderCreated", json::parse(R"({"order_id":1})")).error() == mink::errc::invalid_event_data));
  BOOST_TEST((codec::decode("OrderLost", json::object{}).error() == mink::errc::unknown_event_type));
}

BOOST_AUTO_TEST_CASE(registers_every_event_by_type_name) {
  mink::event_registry registry;
  BOOST_TEST(!register_order_events(registry));
  for (const char* name : {"OrderCreated", "ItemAdded", "OrderSubmitted", "OrderShipped", "OrderCompleted", "OrderCancelled"}) {
    BOOST_TEST(registry.knows(name), name);
  }
  BOOST_TEST(*registry.name_of<item_added>() == "ItemAdded");
  mink::recorded_event stored;
  stored.type = "ItemAdded";
  stored.data = json::value_from(mice);
  auto decoded = registry.decode(stored);
  BOOST_REQUIRE(decoded.has_value());
  BOOST_REQUIRE(decoded->as<item_added>() != nullptr);
  BOOST_TEST((*decoded->as<item_added>() == mice));
  BOOST_TEST((register_order_events(registry) == mink::errc::duplicate_registration));
}

BOOST_AUTO_TEST_CASE(commands_round_trip) {
  BOOST_TEST((round_trip(create_cmd()) == create_cmd()));
  BOOST_TEST((round_trip(add_cmd("MOUSE-001", 2, usd(4999))) == add_cmd("MOUSE-001", 2, usd(4999))));
  BOOST_TEST((round_trip(submit_cmd()) == submit_cmd()));
  BOOST_TEST((round_trip(ship_cmd()) == ship_cmd()));
  BOOST_TEST((round_trip(complete_cmd()) == complete_cmd()));
  BOOST_TEST((round_trip(cancel_cmd()) == cancel_cmd()));
  BOOST_TEST(json::value_from(create_cmd()) ==
             json::parse(R"({"order_id":"o-1","customer_id":"CUST-12345","requested_at":"2024-03-01T09:00:00.000Z"})"));
  // Without requested_at the JSON holds only the fields a client sends.
  BOOST_TEST(json::value_from(submit_order{.order_id = "o-1", .requested_at = {}}) == json::parse(R"({"order_id":"o-1"})"));
  BOOST_CHECK_THROW(json::value_to<add_item>(json::parse(R"({"order_id":"o-1","sku":"A","quantity":1,"price":1.005})")),
                    std::invalid_argument);
  BOOST_CHECK_THROW(json::value_to<create_order>(json::parse(R"({"order_id":7})")), std::invalid_argument);
  BOOST_TEST(std::string(create_order::type_name) == "CreateOrder");
  BOOST_TEST(std::string(add_item::type_name) == "AddItem");
  BOOST_TEST(std::string(submit_order::type_name) == "SubmitOrder");
  BOOST_TEST(std::string(ship_order::type_name) == "ShipOrder");
  BOOST_TEST(std::string(complete_order::type_name) == "CompleteOrder");
  BOOST_TEST(std::string(cancel_order::type_name) == "CancelOrder");
  BOOST_TEST(cancel_cmd().aggregate_id() == "o-1");
}

BOOST_AUTO_TEST_CASE(state_round_trips_for_snapshots) {
  order_state s{};
  for (const order_event& e : std::vector<order_event>{created, laptop, mice, keyboard, submitted, shipped}) {
    s = order::evolve(std::move(s), e);
  }
  BOOST_TEST((round_trip(s) == s));
  BOOST_TEST((round_trip(order_state{}) == order_state{}));
  BOOST_CHECK_THROW(json::value_to<order_state>(json::parse(R"({"order_id":"o"})")), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(order_view_shows_what_a_reader_needs) {
  order_state s{};
  for (const order_event& e : std::vector<order_event>{created, laptop, mice, keyboard}) s = order::evolve(std::move(s), e);
  const json::value view = order_view(s, 4);
  BOOST_TEST(to_json_text(view) ==
             R"({"order_id":"o-1","customer_id":"CUST-12345","status":"Created","items":[)"
             R"({"sku":"LAPTOP-001","name":"Gaming Laptop","quantity":1,"price":1299.99},)"
             R"({"sku":"MOUSE-001","name":"Wireless Mouse","quantity":2,"price":49.99},)"
             R"({"sku":"KB-001","name":"Mechanical Keyboard","quantity":1,"price":149.99}],)"
             R"("total":1549.96,"tracking_number":null,"version":4})");
}

BOOST_AUTO_TEST_SUITE_END()
