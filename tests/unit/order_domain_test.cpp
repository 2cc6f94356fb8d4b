// The e-commerce order domain: money, events, commands, validation and every rule of the decider.

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

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace ecommerce;
using mink::testing::given;
namespace json = boost::json;

namespace {

timestamp at(std::string_view rfc3339) { return parse_rfc3339(rfc3339).value(); }

const timestamp t0 = at("2024-03-01T09:00:00.000Z");
const timestamp t1 = at("2024-03-01T09:05:00.250Z");
const timestamp t2 = at("2024-03-02T14:00:00.000Z");

money usd(std::int64_t cents) { return money::from_cents(cents); }

// The example basket.
const order_created created{.order_id = "o-1", .customer_id = "CUST-12345", .created_at = t0};
const item_added laptop{.order_id = "o-1", .sku = "LAPTOP-001", .name = "Gaming Laptop", .quantity = 1, .price = usd(129999)};
const item_added mice{.order_id = "o-1", .sku = "MOUSE-001", .name = "Wireless Mouse", .quantity = 2, .price = usd(4999)};
const item_added keyboard{.order_id = "o-1", .sku = "KB-001", .name = "Mechanical Keyboard", .quantity = 1, .price = usd(14999)};
const order_submitted submitted{.order_id = "o-1", .total_amount = usd(154996), .submitted_at = t1};
const order_shipped shipped{.order_id = "o-1", .tracking_number = "1Z999", .shipped_at = t2};
const order_completed completed{.order_id = "o-1", .completed_at = t2};
const order_cancelled cancelled{.order_id = "o-1", .reason = "changed my mind", .cancelled_at = t1};

create_order create_cmd(timestamp when = t0) { return {.order_id = "o-1", .customer_id = "CUST-12345", .requested_at = when}; }
add_item add_cmd(std::string sku, int quantity, money price) {
  return {.order_id = "o-1", .sku = std::move(sku), .name = "Thing", .quantity = quantity, .price = price, .requested_at = t0};
}
submit_order submit_cmd() { return {.order_id = "o-1", .requested_at = t1}; }
ship_order ship_cmd(std::string tracking = "1Z999") { return {.order_id = "o-1", .tracking_number = std::move(tracking), .requested_at = t2}; }
complete_order complete_cmd() { return {.order_id = "o-1", .requested_at = t2}; }
cancel_order cancel_cmd() { return {.order_id = "o-1", .reason = "changed my mind", .requested_at = t1}; }

std::string message(order_errc e) { return make_error_code(e).message(); }

std::vector<mink::field_error> errors(std::initializer_list<std::pair<const char*, const char*>> list) {
  std::vector<mink::field_error> out;
  for (const auto& [field, text] : list) out.push_back({field, text});
  return out;
}

template <class T>
T round_trip(const T& value) {
  return json::value_to<T>(json::parse(json::serialize(json::value_from(value))));
}

}  // namespace

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

// ---- rules ----

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
  BOOST_TEST((ec != mink::errc::validation_failed));
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
